"""A shipped test harness: reference problems with exact answers and Monte Carlo checks."""

from pymc_symplectic.testing.checks import (
    ExpectationCheck,
    assert_within_mcse,
    bonferroni_z,
    expectation_check,
    moment_checks,
)
from pymc_symplectic.testing.problems import HarmonicOscillator, Pendulum

__all__ = [
    "ExpectationCheck",
    "HarmonicOscillator",
    "Pendulum",
    "assert_within_mcse",
    "bonferroni_z",
    "expectation_check",
    "moment_checks",
]
