"""A shipped test harness: reference problems with exact answers."""

from pymc_symplectic.testing.problems import HarmonicOscillator, Pendulum

__all__ = ["HarmonicOscillator", "Pendulum"]
