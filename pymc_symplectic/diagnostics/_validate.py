"""Argument checks shared by the diagnostics: each error names the parameter, value and rule."""

from __future__ import annotations

import math
import numbers

import numpy as np

from pymc_symplectic.kinetic.base import KineticEnergy

__all__ = [
    "check_integer",
    "check_kinetic",
    "check_model",
    "check_non_negative",
    "check_positive",
    "check_rng",
]


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive(name: str, value) -> float:
    """Return ``value`` as a float; ``ValueError`` unless it is a positive finite number."""
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}.")
    return float(value)


def check_non_negative(name: str, value) -> float:
    """Return ``value`` as a float; ``ValueError`` unless it is a finite number >= 0."""
    if not _is_real(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def check_integer(name: str, value, minimum: int, *, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int; ``ValueError`` unless it is an integer >= ``minimum``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        allowed = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}.")
    return int(value)


def check_rng(random_seed) -> np.random.Generator:
    """Return ``numpy.random.default_rng(random_seed)``, naming ``random_seed`` when it fails."""
    if isinstance(random_seed, bool | float):
        raise ValueError(
            "random_seed must be None, a non-negative integer or a numpy Generator, "
            f"got {random_seed!r}."
        )
    try:
        return np.random.default_rng(random_seed)
    except (TypeError, ValueError):
        raise ValueError(
            "random_seed must be None, a non-negative integer or a numpy Generator, "
            f"got {random_seed!r}."
        ) from None


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
