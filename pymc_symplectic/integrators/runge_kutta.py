r"""Runge–Kutta methods for Hamilton's equations, given by their Butcher tableaux.

The system is y = (q, p), f(y) = (dK/dp(p), grad log p(q)). An s-stage method
(Hairer, Nørsett & Wanner, *Solving ODEs I*, 2nd ed., 1993, sec. II.1) is

.. math:: k_i = f(y_n + h \sum_j a_{ij} k_j), \qquad y_{n+1} = y_n + h \sum_i b_i k_i.

Explicit tableaux (strictly lower-triangular ``a``) are applied directly; implicit
ones are solved by fixed-point iteration to a tolerance. One class per kind
applies every tableau of that kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from pymc_symplectic.errors import ConvergenceError
from pymc_symplectic.integrators.base import Integrator, PhaseState, validate_metadata

if TYPE_CHECKING:
    from pymc_symplectic.dynamics import Hamiltonian

__all__ = ["ExplicitRungeKutta", "ImplicitRungeKutta"]


def _tableau(name: str, a: Sequence[Sequence[float]], b: Sequence[float]):
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"The tableau (a, b) of {name!r} must be numeric.") from None
    s = len(b_arr)
    if a_arr.shape != (s, s):
        raise ValueError(f"a of {name!r} must be {s}x{s} to match b, got shape {a_arr.shape}.")
    if not (np.all(np.isfinite(a_arr)) and np.all(np.isfinite(b_arr))):
        raise ValueError(f"The tableau of {name!r} has non-finite entries.")
    if abs(b_arr.sum() - 1.0) > 1e-12:
        raise ValueError(f"The weights b of {name!r} sum to {b_arr.sum()!r}; they must sum to 1.")
    return a_arr, b_arr


def _is_symplectic_tableau(a: np.ndarray, b: np.ndarray) -> bool:
    """Check b_i a_ij + b_j a_ji = b_i b_j (Hairer, Lubich & Wanner 2006, Thm. VI.4.3)."""
    m = b[:, None] * a + (b[:, None] * a).T - np.outer(b, b)
    return bool(np.all(np.abs(m) < 1e-14))


class _RungeKutta(Integrator):
    def _check_symplectic(self) -> None:
        if self.symplectic and not _is_symplectic_tableau(self.a, self.b):
            raise ValueError(
                f"{self.name!r} is declared symplectic but its tableau violates "
                "b_i a_ij + b_j a_ji = b_i b_j."
            )

    def _finish(self, hamiltonian: Hamiltonian, q: np.ndarray, p: np.ndarray) -> PhaseState:
        logp, grad = hamiltonian.log_density_and_grad(q)
        kinetic_energy, v = hamiltonian.kinetic.energy_and_velocity(p)
        return PhaseState(q, p, v, logp, grad, kinetic_energy)


@dataclass(frozen=True)
class ExplicitRungeKutta(_RungeKutta):
    """An explicit Runge–Kutta method: stage i uses only stages before it.

    The first stage is the derivative at the current state, which the state
    already holds, so a step costs one evaluation per later stage plus one at
    the end: ``grad_evals_per_step`` equals the number of stages.

    Parameters
    ----------
    name, order, reference
        Metadata.
    a, b
        Butcher tableau; ``a`` strictly lower triangular.
    symplectic, symmetric
        Declared properties (an explicit Runge–Kutta method is neither).
    """

    name: str
    a: np.ndarray
    b: np.ndarray
    order: int
    reference: str
    symplectic: bool = False
    symmetric: bool = False
    explicit: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        validate_metadata(self)
        a, b = _tableau(self.name, self.a, self.b)
        if np.any(np.triu(a) != 0):
            raise ValueError(
                f"a of explicit method {self.name!r} must be strictly lower triangular."
            )
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        self._check_symplectic()

    @property
    def grad_evals_per_step(self) -> int:  # type: ignore[override]
        """One evaluation per stage after the first, plus one at the end."""
        return len(self.b)

    def step(self, hamiltonian: Hamiltonian, state: PhaseState, step_size: float) -> PhaseState:
        """Take one explicit Runge–Kutta step."""
        h = step_size
        kq = [state.velocity]
        kp = [state.grad]
        for i in range(1, len(self.b)):
            q = state.q + h * sum(self.a[i, j] * kq[j] for j in range(i) if self.a[i, j] != 0)
            p = state.p + h * sum(self.a[i, j] * kp[j] for j in range(i) if self.a[i, j] != 0)
            kq.append(hamiltonian.kinetic.velocity(p))
            kp.append(hamiltonian.log_density_and_grad(q)[1])
        q = state.q + h * sum(bi * k for bi, k in zip(self.b, kq, strict=True) if bi != 0)
        p = state.p + h * sum(bi * k for bi, k in zip(self.b, kp, strict=True) if bi != 0)
        return self._finish(hamiltonian, q, p)


@dataclass(frozen=True)
class ImplicitRungeKutta(_RungeKutta):
    """An implicit Runge–Kutta method, solved by fixed-point iteration.

    The stage derivatives are iterated, ``k <- f(y_n + h A k)``, from
    ``k_i = f(y_n)`` until the largest change of a stage value falls below
    ``tolerance * max(1, |y_n|_inf)`` (default 1e-15: a looser solve leaves a
    systematic error that makes the energy drift, about 2e-16 per step at 1e-14), or
    stalls at round-off. The iteration contracts when ``h`` times
    the Lipschitz constant of ``f`` is below 1; when it does not converge within
    ``max_iterations`` a :class:`~pymc_symplectic.errors.ConvergenceError` says so.

    ``grad_evals_per_step`` is the cost of one iteration (one evaluation per
    stage); a step costs that times the number of iterations, plus one.
    """

    name: str
    a: np.ndarray
    b: np.ndarray
    order: int
    reference: str
    symplectic: bool = False
    symmetric: bool = False
    tolerance: float = 1e-15
    max_iterations: int = 100
    explicit: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        validate_metadata(self)
        a, b = _tableau(self.name, self.a, self.b)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        if not (np.isfinite(self.tolerance) and self.tolerance > 0):
            raise ValueError(f"tolerance must be positive and finite, got {self.tolerance!r}.")
        if int(self.max_iterations) != self.max_iterations or self.max_iterations < 1:
            raise ValueError(
                f"max_iterations must be an integer >= 1, got {self.max_iterations!r}."
            )
        self._check_symplectic()

    @property
    def grad_evals_per_step(self) -> int:  # type: ignore[override]
        """Evaluations per fixed-point iteration (one per stage)."""
        return len(self.b)

    def step(self, hamiltonian: Hamiltonian, state: PhaseState, step_size: float) -> PhaseState:
        """Take one implicit Runge–Kutta step."""
        h = step_size
        s = len(self.b)
        kq = np.tile(state.velocity, (s, 1))
        kp = np.tile(state.grad, (s, 1))
        scale = max(1.0, float(np.max(np.abs(state.q))), float(np.max(np.abs(state.p))))
        change = best = np.inf
        stalled = 0
        for _ in range(self.max_iterations):
            stage_q = state.q + h * (self.a @ kq)
            stage_p = state.p + h * (self.a @ kp)
            new_kq = np.array([hamiltonian.kinetic.velocity(p) for p in stage_p])
            new_kp = np.array([hamiltonian.log_density_and_grad(q)[1] for q in stage_q])
            change = abs(h) * max(np.max(np.abs(new_kq - kq)), np.max(np.abs(new_kp - kp)))
            kq, kp = new_kq, new_kp
            if not np.isfinite(change):
                break
            # Converged, or stuck at round-off well below any useful tolerance.
            stalled = stalled + 1 if change >= best else 0
            best = min(best, change)
            if change <= self.tolerance * scale or (stalled >= 3 and best <= 1e-12 * scale):
                q = state.q + h * (self.b @ kq)
                p = state.p + h * (self.b @ kp)
                return self._finish(hamiltonian, q, p)
        raise ConvergenceError(
            f"The fixed-point solve of {self.name!r} did not converge in {self.max_iterations} "
            f"iterations at step_size={step_size!r} (last change {change:.3g}); reduce the step "
            "size, or use an explicit integrator such as 'leapfrog'."
        )
