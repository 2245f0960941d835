"""Compiled whole-trajectory paths: a PyTensor Scan (Numba or C) and a JAX loop.

One splitting step is written once (:mod:`~pymc_symplectic.backends.expressions`)
over a table of array operations and looped by a PyTensor ``Scan``
(:class:`ScanTrajectory`, compiled by Numba or C) or by ``jax.lax.while_loop``
(:class:`JaxTrajectory`). PyTensor and JAX are imported only when a trajectory
is built.
"""

from pymc_symplectic.backends.expressions import (
    KineticSpec,
    kinetic_energy_and_velocity,
    stage,
    stage_tables,
)
from pymc_symplectic.backends.jax_loop import JaxTrajectory
from pymc_symplectic.backends.pytensor_scan import ScanTrajectory
from pymc_symplectic.backends.result import TrajectoryResult

__all__ = [
    "JaxTrajectory",
    "KineticSpec",
    "ScanTrajectory",
    "TrajectoryResult",
    "kinetic_energy_and_velocity",
    "stage",
    "stage_tables",
]
