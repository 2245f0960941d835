"""Argument checks shared across the package: each error names the parameter, value and rule.

Imports neither PyMC nor anything else of the package, so the numerical core can use it.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_integer",
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
