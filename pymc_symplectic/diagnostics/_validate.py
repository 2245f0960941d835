"""Argument checks of the diagnostics that need a model or a kinetic energy.

The numeric checks are in :mod:`pymc_symplectic._checks`.
"""

from __future__ import annotations

from pymc_symplectic.kinetic.base import KineticEnergy

__all__ = ["check_kinetic", "check_model"]


def check_kinetic(kinetic, dim: int) -> KineticEnergy:
    """Return ``kinetic`` if it is a :class:`KineticEnergy` of dimension ``dim``."""
    if not isinstance(kinetic, KineticEnergy):
        raise TypeError(
            f"kinetic must be a KineticEnergy (e.g. GaussianKinetic) or None, got {kinetic!r}."
        )
    if kinetic.dim != dim:
        raise ValueError(f"kinetic has dimension {kinetic.dim}, the model {dim}.")
    return kinetic


def check_model(model, *, need_variables: bool = True):
    """Return ``model`` if it is a :class:`pymc.Model` whose free variables are all continuous.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model``.
    ValueError
        If it has no free random variables, or discrete ones (the diagnostics
        integrate Hamilton's equations on the continuous unconstrained space only).
    """
    import pymc as pm  # the diagnostics import PyMC only when they are called

    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {model!r}.")
    if not need_variables:
        return model
    if not model.value_vars:
        raise ValueError(
            "model has no free random variables: the diagnostics need at least one continuous one."
        )
    continuous = {v.name for v in model.continuous_value_vars}
    discrete = [v.name for v in model.value_vars if v.name not in continuous]
    if discrete:
        raise ValueError(
            f"model has the discrete free variables {discrete}: the diagnostics integrate "
            "Hamilton's equations and need every free variable to be continuous."
        )
    return model
