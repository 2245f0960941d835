"""The integrator interface and the phase-space state every integrator steps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pymc_symplectic.dynamics import Hamiltonian

__all__ = ["Integrator", "PhaseState", "validate_metadata"]


@dataclass(frozen=True, slots=True)
class PhaseState:
    """An immutable point in phase space with everything evaluated there.

    Attributes
    ----------
    q
        Position.
    p
        Momentum.
    velocity
        dK/dp at ``p``.
    logp
        Log density at ``q``; the potential energy is ``U(q) = -logp``.
    grad
        Gradient of the log density at ``q`` (the force ``-dU/dq``).
    kinetic_energy
        K(p).
    aux
        Data an integrator carries between its own steps (the past derivative
        evaluations of a multistep method); empty for one-step methods.
    """

    q: np.ndarray
    p: np.ndarray
    velocity: np.ndarray
    logp: float
    grad: np.ndarray
    kinetic_energy: float
    aux: Any = ()

    @property
    def energy(self) -> float:
        """The Hamiltonian H = K(p) - log p(q)."""
        return self.kinetic_energy - self.logp


class Integrator(ABC):
    """A one-step map of Hamilton's equations dq/dt = dK/dp, dp/dt = d log p / dq.

    Every integrator declares its properties; the test suite proves each one
    (empirical order, symplecticity, reversibility) for every registered integrator.

    Attributes
    ----------
    name : str
        Registry name.
    order : int
        Order of the global error, ``O(h**order)``.
    grad_evals_per_step : int
        Log-density-and-gradient evaluations per step when steps are chained
        (the gradient at the end of one step is reused by the next).
    symplectic : bool
        Whether the one-step map preserves the symplectic form.
    symmetric : bool
        Whether the map is time-reversible: stepping with ``-h`` undoes a step.
    explicit : bool
        Whether a step needs no nonlinear solve.
    reference : str
        Where the method is published.
    """

    name: str
    order: int
    grad_evals_per_step: int
    symplectic: bool
    symmetric: bool
    explicit: bool
    reference: str

    @property
    def hmc_valid(self) -> bool:
        """Whether the map gives a valid Metropolis correction in HMC.

        HMC's acceptance probability ``min(1, exp(-dH))`` is only correct for a
        volume-preserving (symplectic) and reversible (symmetric) map.
        """
        return self.symplectic and self.symmetric

    @abstractmethod
    def step(self, hamiltonian: Hamiltonian, state: PhaseState, step_size: float) -> PhaseState:
        """Advance ``state`` by one step of size ``step_size`` (negative integrates backward).

        Returns a new state; ``state`` and its arrays are never modified.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}, order {self.order}>"


def validate_metadata(integrator: Integrator) -> None:
    """Raise ``ValueError`` unless name, order, reference and the flags are well formed."""
    name = integrator.name
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}.")
    order = integrator.order
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order of {name!r} must be an integer >= 1, got {order!r}.")
    if not isinstance(integrator.reference, str) or not integrator.reference:
        raise ValueError(
            f"reference of {name!r} must be a non-empty string (paper or book), "
            f"got {integrator.reference!r}."
        )
    for flag in ("symplectic", "symmetric"):
        if not isinstance(getattr(integrator, flag), bool):
            raise ValueError(
                f"{flag} of {name!r} must be True or False, got {getattr(integrator, flag)!r}."
            )
