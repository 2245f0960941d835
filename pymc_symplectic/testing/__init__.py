"""A shipped test harness: reference problems and targets with exact answers, Monte Carlo checks."""

from pymc_symplectic.testing.checks import (
    ExpectationCheck,
    assert_within_mcse,
    bonferroni_z,
    expectation_check,
    moment_checks,
)
from pymc_symplectic.testing.problems import HarmonicOscillator, Pendulum
from pymc_symplectic.testing.targets import TARGETS, Target

__all__ = [
    "ExpectationCheck",
    "HarmonicOscillator",
    "Pendulum",
    "TARGETS",
    "Target",
    "assert_within_mcse",
    "bonferroni_z",
    "expectation_check",
    "moment_checks",
]
