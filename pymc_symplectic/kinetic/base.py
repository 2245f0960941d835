"""The kinetic-energy interface: everything about momentum in one object."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from pymc_symplectic.kinetic.metric import Metric

__all__ = ["KineticEnergy"]


class KineticEnergy(ABC):
    """A kinetic energy K(p) with its velocity dK/dp and exact momentum sampling.

    Integrators only call :meth:`velocity` (drifts) and
    :meth:`energy_and_velocity` (end of a step), so every integrator works with
    every kinetic energy. No method assumes K is quadratic.
    """

    metric: Metric

    @property
    def dim(self) -> int:
        """Dimension of the momentum."""
        return self.metric.dim

    @abstractmethod
    def energy(self, p: np.ndarray) -> float:
        """Return K(p)."""

    @abstractmethod
    def velocity(self, p: np.ndarray) -> np.ndarray:
        """Return dK/dp."""

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), dK/dp)``; subclasses share work between the two."""
        return self.energy(p), self.velocity(p)

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw p exactly from the density proportional to exp(-K(p))."""
