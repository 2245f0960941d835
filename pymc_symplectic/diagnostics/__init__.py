"""Diagnostics on real models: ESS per gradient, energy-error order, symplecticity."""

from pymc_symplectic.diagnostics.efficiency import (
    GradientEfficiency,
    ess_per_gradient,
    gradient_evaluations,
)
from pymc_symplectic.diagnostics.energy import EnergyErrorCurve, energy_error_curve, fit_order
from pymc_symplectic.diagnostics.model_space import (
    model_log_density,
    unconstrained_points,
    value_var_names,
)
from pymc_symplectic.diagnostics.symplecticity import step_map_jacobian, symplecticity_check

__all__ = [
    "EnergyErrorCurve",
    "GradientEfficiency",
    "energy_error_curve",
    "ess_per_gradient",
    "fit_order",
    "gradient_evaluations",
    "model_log_density",
    "step_map_jacobian",
    "symplecticity_check",
    "unconstrained_points",
    "value_var_names",
]
