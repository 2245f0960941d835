"""The Gaussian kinetic energy of standard HMC."""

from __future__ import annotations

import numbers

import numpy as np

from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.kinetic.metric import as_metric

__all__ = ["GaussianKinetic"]


class GaussianKinetic(KineticEnergy):
    r"""Gaussian kinetic energy :math:`K(p) = \tfrac12 p^T M^{-1} p`.

    Velocity :math:`M^{-1} p`; momenta are drawn exactly from N(0, M)
    (Neal, MCMC using Hamiltonian dynamics, Handbook of MCMC, 2011, sec. 5.2).

    Parameters
    ----------
    inverse_mass
        A :class:`~pymc_symplectic.kinetic.Metric`, or an inverse mass matrix:
        a 1-d array (diagonal) or a 2-d array (dense).
    """

    def __init__(self, inverse_mass):
        self.metric = as_metric(inverse_mass)

    @classmethod
    def identity(cls, dim: int) -> GaussianKinetic:
        """Return the unit-mass kinetic energy ``K = |p|^2 / 2`` in ``dim`` dimensions."""
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"dim must be an integer >= 1, got {dim!r}.")
        return cls(np.ones(int(dim)))

    def velocity(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""
        return self.metric.inverse_apply(p)

    def energy(self, p: np.ndarray) -> float:
        """Return ``p^T M^{-1} p / 2``."""
        return 0.5 * float(p @ self.metric.inverse_apply(p))

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), M^{-1} p)`` with one product."""
        v = self.metric.inverse_apply(p)
        return 0.5 * float(p @ v), v

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw p ~ N(0, M)."""
        return self.metric.sample_standard(rng)

    def __repr__(self) -> str:
        return f"GaussianKinetic({self.metric!r})"
