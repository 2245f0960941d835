"""Example models for comparing samplers, with exact posterior references where they exist."""

from pymc_symplectic.examples.models import (
    beta_binomial,
    eight_schools_centered,
    eight_schools_noncentered,
    funnel,
    ill_conditioned_gaussian,
    logistic_regression,
    normal_normal,
    radon_varying_intercepts,
    stochastic_volatility,
    student_t_regression,
)
from pymc_symplectic.examples.registry import ExampleModel, available, get

__all__ = [
    "ExampleModel",
    "available",
    "beta_binomial",
    "eight_schools_centered",
    "eight_schools_noncentered",
    "funnel",
    "get",
    "ill_conditioned_gaussian",
    "logistic_regression",
    "normal_normal",
    "radon_varying_intercepts",
    "stochastic_volatility",
    "student_t_regression",
]
