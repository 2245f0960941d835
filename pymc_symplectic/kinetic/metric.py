"""Mass matrices (metrics): how momentum is scaled, separate from the kinetic form.

A metric is stored through its inverse mass matrix ``M^{-1}`` (PyMC's ``scaling``
with ``is_cov=True``, the posterior covariance estimate), because that is what
the velocity needs. The kinetic energies use three operations: ``M^{-1} p``,
``p^T M^{-1} p``, and ``L z`` with ``L L^T = M`` for drawing momenta.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import scipy.linalg

__all__ = ["DenseMetric", "DiagonalMetric", "Metric", "as_metric"]


def _float_array(value) -> np.ndarray:
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"inverse_mass must be numeric, got {value!r}.") from None


class Metric(ABC):
    """A positive-definite mass matrix M, held through its inverse."""

    dim: int
    #: Whether M is diagonal (needed by per-coordinate kinetic energies).
    is_diagonal: bool = False

    @abstractmethod
    def inverse_apply(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""

    @abstractmethod
    def sample_standard(self, rng: np.random.Generator) -> np.ndarray:
        """Return ``L z`` with ``z ~ N(0, I)`` and ``L L^T = M``: a draw from N(0, M)."""

    @abstractmethod
    def whiten(self, p: np.ndarray) -> np.ndarray:
        """Return ``y`` with ``y^T y = p^T M^{-1} p`` (``y = C^T p`` where ``C C^T = M^{-1}``)."""


class DiagonalMetric(Metric):
    """A diagonal mass matrix, ``M^{-1} = diag(inverse_mass)``.

    Parameters
    ----------
    inverse_mass
        1-d array of positive, finite inverse masses (posterior variances).
    """

    is_diagonal = True

    def __init__(self, inverse_mass):
        inverse_mass = _float_array(inverse_mass)
        if inverse_mass.ndim != 1 or inverse_mass.size == 0:
            raise ValueError(
                f"inverse_mass must be a non-empty 1-d array, got shape {inverse_mass.shape}."
            )
        if not np.all(np.isfinite(inverse_mass)) or np.any(inverse_mass <= 0):
            raise ValueError(f"inverse_mass must be positive and finite, got {inverse_mass!r}.")
        inverse_mass.flags.writeable = False
        self.inverse_mass = inverse_mass
        self._inverse_mass_sqrt = np.sqrt(inverse_mass)
        self._mass_sqrt = 1.0 / self._inverse_mass_sqrt
        self.dim = inverse_mass.size

    def inverse_apply(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""
        return self.inverse_mass * p

    def sample_standard(self, rng: np.random.Generator) -> np.ndarray:
        """Return a draw from N(0, M)."""
        return self._mass_sqrt * rng.standard_normal(self.dim)

    def whiten(self, p: np.ndarray) -> np.ndarray:
        """Return ``p / sqrt(M)`` elementwise."""
        return self._inverse_mass_sqrt * p

    def __repr__(self) -> str:
        return f"DiagonalMetric(dim={self.dim})"


class DenseMetric(Metric):
    """A dense mass matrix given by its inverse, ``M^{-1} = inverse_mass``.

    Momenta are drawn as ``C^{-T} z`` where ``C C^T = M^{-1}`` (Cholesky), whose
    covariance is ``(C C^T)^{-1} = M``.

    Parameters
    ----------
    inverse_mass
        Symmetric positive-definite 2-d array (a posterior covariance estimate).
    """

    def __init__(self, inverse_mass):
        inverse_mass = _float_array(inverse_mass)
        shape = inverse_mass.shape
        if inverse_mass.ndim != 2 or shape[0] != shape[1] or shape[0] == 0:
            raise ValueError(
                f"inverse_mass must be a non-empty square 2-d array, got shape {shape}."
            )
        if not np.all(np.isfinite(inverse_mass)):
            raise ValueError("inverse_mass must be finite.")
        if not np.allclose(inverse_mass, inverse_mass.T, rtol=1e-10, atol=0):
            raise ValueError("inverse_mass must be symmetric.")
        try:
            self._chol = scipy.linalg.cholesky(inverse_mass, lower=True)
        except np.linalg.LinAlgError:
            raise ValueError("inverse_mass must be positive definite.") from None
        inverse_mass.flags.writeable = False
        self.inverse_mass = inverse_mass
        self.dim = inverse_mass.shape[0]

    def inverse_apply(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""
        return self.inverse_mass @ p

    def sample_standard(self, rng: np.random.Generator) -> np.ndarray:
        """Return a draw from N(0, M)."""
        z = rng.standard_normal(self.dim)
        return scipy.linalg.solve_triangular(self._chol, z, lower=True, trans="T")

    def whiten(self, p: np.ndarray) -> np.ndarray:
        """Return ``C^T p`` where ``C C^T = M^{-1}`` (Cholesky)."""
        return self._chol.T @ p

    def __repr__(self) -> str:
        return f"DenseMetric(dim={self.dim})"


def as_metric(inverse_mass) -> Metric:
    """Return ``inverse_mass`` as a metric: a Metric, a 1-d (diagonal) or 2-d (dense) array."""
    if isinstance(inverse_mass, Metric):
        return inverse_mass
    try:
        ndim = np.ndim(inverse_mass)
    except ValueError:  # a ragged nested sequence
        raise ValueError(
            f"inverse_mass must be a rectangular array, got {inverse_mass!r}."
        ) from None
    if ndim == 1:
        return DiagonalMetric(inverse_mass)
    if ndim == 2:
        return DenseMetric(inverse_mass)
    raise ValueError(
        "inverse_mass must be a Metric, a 1-d array (diagonal) or a 2-d array (dense), "
        f"got {inverse_mass!r} ({ndim} dimensions)."
    )
