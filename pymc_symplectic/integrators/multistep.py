"""Explicit linear multistep (Adams–Bashforth) methods for Hamilton's equations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pymc_symplectic.integrators.base import Integrator, PhaseState, validate_metadata
from pymc_symplectic.integrators.runge_kutta import ExplicitRungeKutta

if TYPE_CHECKING:
    from pymc_symplectic.dynamics import Hamiltonian

__all__ = ["AdamsBashforth"]


@dataclass(frozen=True)
class AdamsBashforth(Integrator):
    r"""An explicit k-step Adams–Bashforth method, bootstrapped by a one-step method.

    .. math:: y_{n+1} = y_n + h \sum_{j=0}^{k-1} \beta_j f(y_{n-j})

    (Hairer, Nørsett & Wanner 1993, sec. III.1). The state carries the last
    ``k - 1`` derivatives and the step size they were taken with in
    ``PhaseState.aux``; until ``k - 1`` of them exist, or when the step size
    changes, the ``starter`` method takes the step. After the start one step
    costs a single evaluation.

    Parameters
    ----------
    name, order, reference
        Metadata.
    beta
        The weights :math:`\beta_0, \dots, \beta_{k-1}` (newest first), summing to 1.
    starter
        One-step method of at least the same order used to start.
    """

    name: str
    beta: tuple[float, ...]
    order: int
    reference: str
    starter: ExplicitRungeKutta
    symplectic: bool = field(default=False, init=False)
    symmetric: bool = field(default=False, init=False)
    explicit: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        validate_metadata(self)
        if not isinstance(self.starter, Integrator) or self.starter.order < self.order:
            raise TypeError(
                f"starter of {self.name!r} must be a one-step Integrator of order >= "
                f"{self.order}, got {self.starter!r}."
            )
        try:
            beta = tuple(float(b) for b in self.beta)
        except (TypeError, ValueError):
            raise ValueError(f"beta of {self.name!r} must be numbers, got {self.beta!r}.") from None
        if not all(math.isfinite(b) for b in beta):
            raise ValueError(f"beta of {self.name!r} must be finite, got {beta!r}.")
        if abs(sum(beta) - 1.0) > 1e-12:
            raise ValueError(f"beta of {self.name!r} sums to {sum(beta)!r}; it must sum to 1.")
        object.__setattr__(self, "beta", beta)

    @property
    def grad_evals_per_step(self) -> int:  # type: ignore[override]
        """One evaluation per step once started."""
        return 1

    def step(self, hamiltonian: Hamiltonian, state: PhaseState, step_size: float) -> PhaseState:
        """Take one Adams–Bashforth step, or a starter step while history is short."""
        history = ()
        if state.aux and state.aux[0] == step_size:
            history = state.aux[1]
        current = (state.velocity, state.grad)
        k = len(self.beta)
        if len(history) < k - 1:
            new = self.starter.step(hamiltonian, state, step_size)
        else:
            derivatives = (current, *history)
            q = state.q + step_size * sum(
                b * d[0] for b, d in zip(self.beta, derivatives, strict=True)
            )
            p = state.p + step_size * sum(
                b * d[1] for b, d in zip(self.beta, derivatives, strict=True)
            )
            logp, grad = hamiltonian.log_density_and_grad(q)
            kinetic_energy, v = hamiltonian.kinetic.energy_and_velocity(p)
            new = PhaseState(q, p, v, logp, grad, kinetic_energy)
        new_history = (current, *history)[: k - 1]
        return PhaseState(
            new.q,
            new.p,
            new.velocity,
            new.logp,
            new.grad,
            new.kinetic_energy,
            aux=(step_size, new_history),
        )
