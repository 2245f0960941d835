"""A shipped test harness: reference problems and targets with exact answers, Monte Carlo checks.

Also reference posteriors (:mod:`~pymc_symplectic.testing.reference_posteriors`) and
simulation-based calibration (:mod:`~pymc_symplectic.testing.sbc`), whose main entry
points are re-exported here.
"""

from pymc_symplectic.testing.checks import (
    ExpectationCheck,
    assert_within_mcse,
    bonferroni_z,
    expectation_check,
    moment_checks,
)
from pymc_symplectic.testing.problems import HarmonicOscillator, Pendulum
from pymc_symplectic.testing.reference_posteriors import (
    REFERENCE_POSTERIORS,
    assert_reference_posterior,
    check_reference_posterior,
    reference_posterior,
)
from pymc_symplectic.testing.sbc import (
    SBCResult,
    plot_ecdf_difference,
    simulation_based_calibration,
)
from pymc_symplectic.testing.targets import TARGETS, Target

__all__ = [
    "ExpectationCheck",
    "HarmonicOscillator",
    "Pendulum",
    "REFERENCE_POSTERIORS",
    "SBCResult",
    "TARGETS",
    "Target",
    "assert_reference_posterior",
    "assert_within_mcse",
    "check_reference_posterior",
    "plot_ecdf_difference",
    "reference_posterior",
    "simulation_based_calibration",
    "bonferroni_z",
    "expectation_check",
    "moment_checks",
]
