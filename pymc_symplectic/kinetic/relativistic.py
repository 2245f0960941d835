r"""Relativistic kinetic energy: velocities bounded by a speed of light.

Lu, Perrone, Hasenclever, Teh & Vollmer, *Relativistic Monte Carlo*, AISTATS 2017,
eq. (3), with a mass matrix M:

.. math:: K(p) = c \sqrt{p^T M^{-1} p + m^2 c^2}, \qquad
          \frac{\partial K}{\partial p} = \frac{c\, M^{-1} p}{\sqrt{p^T M^{-1} p + m^2 c^2}},

so the velocity's M-norm, :math:`c |y| / \sqrt{|y|^2 + m^2 c^2}` with
:math:`|y|^2 = p^T M^{-1} p`, is always below c: one step of size h moves at
most h c (in units of the posterior scale that M^{-1} encodes). For
:math:`|p| \ll m c` it is the Gaussian kinetic energy with mass m M plus the
constant m c^2.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import scipy.stats

from pymc_symplectic._checks import check_positive
from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.kinetic.metric import as_metric

__all__ = ["FORMS", "RelativisticKinetic"]

FORMS = ("isotropic", "per_coordinate")


def _scaled_norm(y: np.ndarray) -> float:
    """Euclidean norm that neither overflows nor underflows."""
    scale = float(np.max(np.abs(y))) if y.size else 0.0
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    return scale * math.sqrt(float(np.dot(y / scale, y / scale)))


class RelativisticKinetic(KineticEnergy):
    r"""Relativistic kinetic energy, isotropic or per coordinate.

    The two forms:

    ``"isotropic"``
        :math:`K(p) = c \sqrt{p^T M^{-1} p + m^2 c^2}`: one speed limit for the
        whole vector (the paper's form).
    ``"per_coordinate"``
        :math:`K(p) = \sum_i c \sqrt{p_i^2 / M_{ii} + m^2 c^2}`: each coordinate
        has its own limit (the form of the original authors' code). Needs a
        diagonal mass matrix.

    Exact sampling (no rejection): with :math:`y = L^{-1} p`, :math:`L L^T = M`,
    the density :math:`\propto \exp(-c \sqrt{|y|^2 + m^2 c^2})` is a Gaussian
    variance mixture, :math:`y = \sqrt{W} z`, :math:`z \sim N(0, I_d)`, with
    :math:`W \sim \mathrm{GIG}(\lambda = (d + 1)/2, \chi = m^2 c^2, \psi = c^2)`
    (density :math:`\propto w^{\lambda - 1} e^{-(\chi / w + \psi w)/2}`):
    integrating w out leaves :math:`\propto (|y|^2+\chi)^{1/4} K_{1/2}(\sqrt{\psi(|y|^2+\chi)})
    \propto e^{-c\sqrt{|y|^2 + m^2 c^2}}` since :math:`K_{1/2}(z) = \sqrt{\pi/2z}\, e^{-z}`
    (Barndorff-Nielsen, Scand. J. Statist. 5, 151-157, 1978, the hyperbolic
    laws). W is drawn as :math:`m\, Y`, :math:`Y \sim` ``scipy.stats.geninvgauss``
    :math:`(\lambda, b = m c^2)`; the per-coordinate form is the d = 1 case per
    coordinate.

    Parameters
    ----------
    inverse_mass
        A Metric, or an inverse mass matrix (1-d diagonal or 2-d dense).
    c
        Speed of light, > 0, in units of the posterior scale encoded by M^{-1}.
    m
        Rest mass, > 0.
    form
        ``"isotropic"`` or ``"per_coordinate"``.
    """

    def __init__(
        self,
        inverse_mass,
        c: float = 1.0,
        m: float = 1.0,
        form: Literal["isotropic", "per_coordinate"] = "isotropic",
    ):
        self.c = check_positive("c", c)
        self.m = check_positive("m", m)
        if form not in FORMS:
            raise ValueError(f"form must be one of {FORMS}, got {form!r}.")
        self.form = form
        self.metric = as_metric(inverse_mass)
        if form == "per_coordinate" and not self.metric.is_diagonal:
            raise ValueError(
                "form='per_coordinate' needs a diagonal mass matrix (a 1-d inverse_mass); "
                "use form='isotropic' with a dense one."
            )

    def with_parameters(self, *, inverse_mass=None, c: float | None = None) -> RelativisticKinetic:
        """Return a copy with a new mass matrix and/or speed of light."""
        return RelativisticKinetic(
            self.metric if inverse_mass is None else inverse_mass,
            c=self.c if c is None else c,
            m=self.m,
            form=self.form,
        )

    def _root(self, p: np.ndarray):
        r"""Return ``(y, root, s)``, overflow-safe: the whitened momentum is ``s y``.

        ``root`` is :math:`\sqrt{|y|^2 + (m c / s)^2}` (per coordinate: elementwise),
        so :math:`K = c \sum s\,\mathrm{root}` and :math:`v = c M^{-1} (p / s) / \mathrm{root}`.
        Normally ``s = 1``. When the whitened momentum overflows (``|p| \gtrsim 10^{300}``),
        ``p`` is first divided by ``s = max |p|`` (per coordinate: ``max(1, |p_i|)``):
        K is then ``+inf`` or its finite value, and v tends to its limit, speed c along
        :math:`M^{-1} p`, instead of collapsing to ``p / inf = 0``.
        """
        y = self.metric.whiten(p)
        mc = self.m * self.c
        if np.all(np.isfinite(y)) or not np.all(np.isfinite(p)):
            scale = 1.0
        elif self.form == "per_coordinate":
            scale = np.maximum(np.abs(p), 1.0)
            y = self.metric.whiten(p / scale)
        else:
            scale = float(np.max(np.abs(p)))
            y = self.metric.whiten(p / scale)
        if self.form == "per_coordinate":
            return y, np.hypot(y, mc / scale), scale
        return y, math.hypot(_scaled_norm(y), mc / scale), scale

    def _energy(self, root, scale) -> float:
        return float(self.c * np.sum(scale * root))

    def _velocity(self, p: np.ndarray, root, scale) -> np.ndarray:
        return self.c * self.metric.inverse_apply((p / scale) / root)

    def energy(self, p: np.ndarray) -> float:
        """Return K(p)."""
        _, root, scale = self._root(p)
        return self._energy(root, scale)

    def velocity(self, p: np.ndarray) -> np.ndarray:
        """Return ``c M^{-1} p / sqrt(p^T M^{-1} p + m^2 c^2)`` (per coordinate: elementwise)."""
        _, root, scale = self._root(p)
        return self._velocity(p, root, scale)

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), dK/dp)`` sharing the square root."""
        _, root, scale = self._root(p)
        return self._energy(root, scale), self._velocity(p, root, scale)

    def velocity_and_speed(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return dK/dp and :meth:`speed_fraction` sharing the square root."""
        y, root, scale = self._root(p)
        return self._velocity(p, root, scale), self._speed(y, root)

    def _speed(self, y: np.ndarray, root) -> np.ndarray:
        if self.form == "per_coordinate":
            return np.abs(y) / root
        return np.array([_scaled_norm(y) / root])

    def speed_fraction(self, p: np.ndarray) -> np.ndarray:
        """Return ``|v|_M / c`` in (0, 1): one value (isotropic) or one per coordinate."""
        y, root, _ = self._root(p)
        return self._speed(y, root)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw p exactly from exp(-K(p)) as a GIG variance mixture of Gaussians."""
        if self.form == "per_coordinate":
            lam, size = 1.0, self.dim
        else:
            lam, size = (self.dim + 1) / 2, None
        y = scipy.stats.geninvgauss.rvs(lam, self.m * self.c**2, size=size, random_state=rng)
        return np.sqrt(self.m * y) * self.metric.sample_standard(rng)

    def __repr__(self) -> str:
        return (
            f"RelativisticKinetic({self.metric!r}, c={self.c:g}, m={self.m:g}, form={self.form!r})"
        )
