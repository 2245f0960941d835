"""Splitting integrators: a scheme is a table of kick and drift coefficients.

A splitting method for a separable Hamiltonian H(q, p) = U(q) + K(p) alternates
the exact flows of its two parts (Hairer, Lubich & Wanner, *Geometric Numerical
Integration*, 2nd ed., 2006, sec. II.5):

- a *kick* of size ``a h``: ``p <- p + a h grad log p(q)`` (the flow of U);
- a *drift* of size ``b h``: ``q <- q + b h dK/dp(p)`` (the flow of K).

Each flow is symplectic, so every composition is; a palindromic table gives a
time-reversible (symmetric) method. One stepper applies every table, so a new
method is a new table, never a new loop.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np

from pymc_symplectic.integrators.base import Integrator, PhaseState, validate_metadata

if TYPE_CHECKING:
    from pymc_symplectic.dynamics import Hamiltonian

__all__ = ["SplittingIntegrator", "compose"]

_SUM_TOLERANCE = 1e-10
_PALINDROME_TOLERANCE = 1e-12


@dataclass(frozen=True)
class SplittingIntegrator(Integrator):
    r"""A splitting method given by its alternating kick/drift coefficients.

    The step is :math:`\phi^{first}_{c_0 h} \circ \phi^{other}_{c_1 h} \circ \dots`,
    applied left to right: ``coefficients[0]`` scales the first operation (a kick
    when ``first="kick"``), ``coefficients[1]`` the next (a drift), and so on.
    Velocity Verlet is ``coefficients=(1/2, 1, 1/2), first="kick"``.

    Parameters
    ----------
    name
        Registry name.
    coefficients
        Non-zero, finite step fractions; the kick fractions and the drift
        fractions must each sum to 1 (consistency, order >= 1).
    order
        Declared order of the method (proven by the test suite for registered ones).
    reference
        Paper or book defining the method.
    first
        ``"kick"`` or ``"drift"``: the operation the table starts with.
    symmetric
        Declared time-reversibility; it requires a palindromic table.

    Raises
    ------
    ValueError
        If the table is inconsistent (sums differ from 1, a zero or non-finite
        coefficient, a non-palindromic table declared symmetric).

    Notes
    -----
    ``grad_evals_per_step`` counts the drifts: each drift moves ``q`` and so
    needs one new log-density-and-gradient evaluation, either for the next kick
    or for the energy at the end of the step. A table that starts and ends with
    a kick therefore reuses the gradient of the previous step (first same as
    last) and costs one evaluation fewer than it has kicks; a table that ends
    with a drift (position Verlet, PEFRL) costs one more than its kicks.
    """

    name: str
    coefficients: tuple[float, ...]
    order: int
    reference: str
    first: Literal["kick", "drift"] = "kick"
    symmetric: bool = True
    symplectic: bool = field(default=True, init=False)
    explicit: bool = field(default=True, init=False)
    _operations: tuple[tuple[bool, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_metadata(self)
        if self.first not in ("kick", "drift"):
            raise ValueError(f"first must be 'kick' or 'drift', got {self.first!r}.")
        try:
            coefficients = tuple(float(c) for c in self.coefficients)
        except (TypeError, ValueError):
            raise ValueError(
                f"coefficients of {self.name!r} must be a sequence of numbers, "
                f"got {self.coefficients!r}."
            ) from None
        if len(coefficients) < 2:
            raise ValueError(
                f"coefficients of {self.name!r} need at least one kick and one drift, "
                f"got {coefficients!r}."
            )
        for i, c in enumerate(coefficients):
            if not math.isfinite(c) or c == 0.0:
                raise ValueError(
                    f"coefficients[{i}] of {self.name!r} is {c!r}; every coefficient must be "
                    "finite and non-zero (merge neighbouring stages of the same kind instead)."
                )
        object.__setattr__(self, "coefficients", coefficients)
        kick_first = self.first == "kick"
        operations = tuple(((i % 2 == 0) == kick_first, c) for i, c in enumerate(coefficients))
        object.__setattr__(self, "_operations", operations)
        for kind, total in (
            ("kick", sum(self.kick_coefficients)),
            ("drift", sum(self.drift_coefficients)),
        ):
            if abs(total - 1.0) > _SUM_TOLERANCE:
                raise ValueError(
                    f"The {kind} coefficients of {self.name!r} sum to {total!r}; they must sum "
                    "to 1 for the method to be consistent."
                )
        if self.symmetric:
            n = len(coefficients)
            worst = max(abs(coefficients[i] - coefficients[n - 1 - i]) for i in range(n))
            if n % 2 == 0 or worst > _PALINDROME_TOLERANCE:
                raise ValueError(
                    f"{self.name!r} is declared symmetric but its coefficients {coefficients!r} "
                    "are not a palindrome; pass symmetric=False or fix the table."
                )

    @property
    def operations(self) -> tuple[tuple[bool, float], ...]:
        """The step as ``(is_kick, fraction)`` pairs in the order they are applied."""
        return self._operations

    @property
    def kick_coefficients(self) -> tuple[float, ...]:
        """Fractions of the step taken by each kick, in order."""
        return tuple(c for is_kick, c in self._operations if is_kick)

    @property
    def drift_coefficients(self) -> tuple[float, ...]:
        """Fractions of the step taken by each drift, in order."""
        return tuple(c for is_kick, c in self._operations if not is_kick)

    @property
    def n_stages(self) -> int:
        """Number of kicks."""
        return len(self.kick_coefficients)

    @property
    def grad_evals_per_step(self) -> int:  # type: ignore[override]
        """Log-density-and-gradient evaluations per chained step (one per drift)."""
        return len(self.drift_coefficients)

    @property
    def stability_limit(self) -> float:
        r"""The linear stability limit :math:`h^*` on the harmonic oscillator.

        One step on :math:`H = (p^2 + q^2)/2` is a 2x2 matrix :math:`M(h)` with
        :math:`\det M = 1`, stable while :math:`|\operatorname{tr} M(h)| \le 2`
        (Blanes, Casas & Sanz-Serna 2014, sec. 4.1). Returns the first :math:`h`
        on a grid of spacing 1e-3 (up to 40) where this fails: 2 for leapfrog,
        about 2.63 for ``bcss2``, 4.66 for ``bcss3``, 1.57 for ``forest_ruth``.
        A multi-stage scheme's limit is at most twice its number of stages.
        """
        return _stability_limit(self._operations)

    def step(self, hamiltonian: Hamiltonian, state: PhaseState, step_size: float) -> PhaseState:
        """Apply the kicks and drifts of the table once; see the class docstring."""
        velocity = hamiltonian.kinetic.velocity
        log_density_and_grad = hamiltonian.log_density_and_grad
        q, p, logp, grad = state.q, state.p, state.logp, state.grad
        grad_is_current = True
        for is_kick, coefficient in self._operations:
            if is_kick:
                if not grad_is_current:
                    logp, grad = log_density_and_grad(q)
                    grad_is_current = True
                p = p + (coefficient * step_size) * grad
            else:
                q = q + (coefficient * step_size) * velocity(p)
                grad_is_current = False
        if not grad_is_current:
            logp, grad = log_density_and_grad(q)
        kinetic_energy, v = hamiltonian.kinetic.energy_and_velocity(p)
        return PhaseState(q, p, v, logp, grad, kinetic_energy)


@cache
def _stability_limit(operations: tuple[tuple[bool, float], ...]) -> float:
    hs = np.arange(1, 40_001) * 1e-3
    # One-step matrices on (q, p) for all step sizes at once.
    m = np.broadcast_to(np.eye(2), (hs.size, 2, 2)).copy()
    for is_kick, c in operations:
        op = np.broadcast_to(np.eye(2), (hs.size, 2, 2)).copy()
        if is_kick:
            op[:, 1, 0] = -c * hs  # p <- p - c h q
        else:
            op[:, 0, 1] = c * hs  # q <- q + c h p
        m = op @ m
    # An isolated tangency |tr| = 2 (bcss4 at h = 3.043) is not an unstable interval.
    unstable = np.abs(m[:, 0, 0] + m[:, 1, 1]) > 2 + 1e-8
    return float(hs[np.argmax(unstable)]) if unstable.any() else float(hs[-1])


def compose(
    base: SplittingIntegrator,
    weights: Sequence[float],
    *,
    name: str,
    order: int,
    reference: str,
) -> SplittingIntegrator:
    r"""Compose a symmetric base method with sub-step weights.

    Returns the table of :math:`\Phi_{w_1 h} \circ \dots \circ \Phi_{w_s h}` with
    neighbouring operations of the same kind merged (Yoshida, Phys. Lett. A 150,
    262, 1990, sec. 4; Hairer, Lubich & Wanner 2006, sec. II.4). Triple jumps and Suzuki's fractals
    are compositions of velocity Verlet.

    Parameters
    ----------
    base
        The method applied in each sub-step.
    weights
        Sub-step fractions; they must sum to 1 and read the same both ways.
    name, order, reference
        Metadata of the composed method.
    """
    if not isinstance(base, SplittingIntegrator):
        raise TypeError(
            f"base must be a SplittingIntegrator (e.g. integrators.get('leapfrog')), got {base!r}."
        )
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence | np.ndarray):
        raise ValueError(f"weights must be a sequence of sub-step fractions, got {weights!r}.")
    if len(weights) == 0:
        raise ValueError(f"weights must hold at least one sub-step fraction, got {weights!r}.")
    for i, w in enumerate(weights):
        if not isinstance(w, numbers.Real) or isinstance(w, bool) or not math.isfinite(w):
            raise ValueError(
                f"weights[{i}] must be a finite number, got {w!r} (weights {weights!r})."
            )
    operations: list[list] = []
    for w in weights:
        for is_kick, c in base._operations:
            if operations and operations[-1][0] == is_kick:
                operations[-1][1] += w * c
            else:
                operations.append([is_kick, w * c])
    return SplittingIntegrator(
        name=name,
        coefficients=tuple(c for _, c in operations),
        order=order,
        reference=reference,
        first="kick" if operations[0][0] else "drift",
        symmetric=base.symmetric,
    )
