"""Integrators for Hamilton's equations: a registry of methods chosen by name.

>>> from pymc_symplectic import integrators
>>> integrators.get("forest_ruth").order
4
"""

from pymc_symplectic.integrators.base import Integrator, PhaseState
from pymc_symplectic.integrators.multistep import AdamsBashforth
from pymc_symplectic.integrators.registry import aliases, available, get, register, unregister
from pymc_symplectic.integrators.runge_kutta import ExplicitRungeKutta, ImplicitRungeKutta
from pymc_symplectic.integrators.splitting import SplittingIntegrator, compose

__all__ = [
    "AdamsBashforth",
    "ExplicitRungeKutta",
    "ImplicitRungeKutta",
    "Integrator",
    "PhaseState",
    "SplittingIntegrator",
    "aliases",
    "available",
    "compose",
    "get",
    "register",
    "unregister",
]
