"""Reference Hamiltonian problems with exact solutions, for testing integrators."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.special

from pymc_symplectic._checks import check_positive
from pymc_symplectic.dynamics import Hamiltonian
from pymc_symplectic.kinetic import GaussianKinetic

__all__ = ["HarmonicOscillator", "Pendulum"]


@dataclass(frozen=True)
class HarmonicOscillator:
    r"""The oscillator :math:`H = p^2 / (2 m) + k q^2 / 2` in one dimension.

    Exact flow: with :math:`\omega = \sqrt{k/m}`,
    :math:`q(t) = q_0 \cos \omega t + p_0 / (m \omega) \sin \omega t`,
    :math:`p(t) = p_0 \cos \omega t - m \omega q_0 \sin \omega t`.
    """

    stiffness: float = 1.0
    mass: float = 1.0

    def __post_init__(self) -> None:
        for name in ("stiffness", "mass"):
            check_positive(name, getattr(self, name))

    @property
    def hamiltonian(self) -> Hamiltonian:
        """The system as a :class:`~pymc_symplectic.dynamics.Hamiltonian`."""
        k = self.stiffness
        return Hamiltonian(
            lambda q: 0.5 * k * float(q @ q), lambda q: k * q, GaussianKinetic([1.0 / self.mass])
        )

    def exact(self, q0: float, p0: float, t) -> tuple[np.ndarray, np.ndarray]:
        """Return the exact ``(q(t), p(t))``."""
        m, w = self.mass, np.sqrt(self.stiffness / self.mass)
        t = np.asarray(t, dtype=float)
        q = q0 * np.cos(w * t) + p0 / (m * w) * np.sin(w * t)
        p = p0 * np.cos(w * t) - m * w * q0 * np.sin(w * t)
        return q, p


@dataclass(frozen=True)
class Pendulum:
    r"""The nonlinear pendulum :math:`H = p^2 / 2 - \cos q` (unit mass, length and gravity).

    Exact flow for a release at rest from amplitude :math:`q_0 \in (0, \pi)`
    (Lawden, *Elliptic Functions and Applications*, 1989, sec. 5.2): with
    :math:`k = \sin(q_0 / 2)`, :math:`m = k^2` and :math:`K(m)` the complete
    elliptic integral, :math:`q(t) = 2 \arcsin(k\, \mathrm{sn}(K - t \mid m))` and
    :math:`p(t) = -2 k\, \mathrm{cn}(K - t \mid m)`.
    """

    @property
    def hamiltonian(self) -> Hamiltonian:
        """The system as a :class:`~pymc_symplectic.dynamics.Hamiltonian`."""
        return Hamiltonian(
            lambda q: -float(np.cos(q).sum()), lambda q: np.sin(q), GaussianKinetic([1.0])
        )

    def exact(self, amplitude: float, t) -> tuple[np.ndarray, np.ndarray]:
        """Return the exact ``(q(t), p(t))`` for a release at rest from ``amplitude``."""
        if not isinstance(amplitude, numbers.Real) or not 0 < amplitude < np.pi:
            raise ValueError(f"amplitude must lie in (0, pi), got {amplitude!r}.")
        k = np.sin(amplitude / 2)
        m = k * k
        quarter_period = scipy.special.ellipk(m)
        sn, cn, _, _ = scipy.special.ellipj(quarter_period - np.asarray(t, dtype=float), m)
        return 2 * np.arcsin(k * sn), -2 * k * cn
