"""Compiled whole-trajectory paths: a PyTensor Scan (Numba or C) and a JAX loop."""

from pymc_symplectic.backends.expressions import KineticSpec
from pymc_symplectic.backends.result import TrajectoryResult

__all__ = ["KineticSpec", "TrajectoryResult"]
