"""The Gaussian kinetic energy of standard HMC."""

from __future__ import annotations

import math
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
        return self._velocity(p)

    def energy(self, p: np.ndarray) -> float:
        """Return ``p^T M^{-1} p / 2``."""
        return self._energy(p, self.metric.inverse_apply(p))

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), M^{-1} p)`` with one product."""
        v = self._velocity(p)
        return self._energy(p, v), v

    def _velocity(self, p: np.ndarray) -> np.ndarray:
        v = self.metric.inverse_apply(p)
        if np.all(np.isfinite(v)) or not np.all(np.isfinite(p)):
            return v
        # A dense product's partial sums overflowed (inf - inf = nan): scale p by max|p|.
        scale = float(np.max(np.abs(p)))
        with np.errstate(over="ignore"):
            return scale * self.metric.inverse_apply(p / scale)

    def _energy(self, p: np.ndarray, v: np.ndarray) -> float:
        energy = 0.5 * float(p @ v)
        if math.isfinite(energy) or not np.all(np.isfinite(p)):
            return energy
        # p^T M^{-1} p overflowed: with a dense M^{-1} the terms p_i (M^{-1} p)_i have both
        # signs and their sum is -inf or nan. Use |C^T p|^2 (C C^T = M^{-1}) of p / max|p|,
        # a sum of squares, so the result is +inf, never -inf or nan.
        scale = float(np.max(np.abs(p)))
        y = self.metric.whiten(p / scale)
        return 0.5 * float(y @ y) * scale * scale

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw p ~ N(0, M)."""
        return self.metric.sample_standard(rng)

    def __repr__(self) -> str:
        return f"GaussianKinetic({self.metric!r})"
