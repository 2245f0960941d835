"""Kinetic energies and mass matrices."""

from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.kinetic.gaussian import GaussianKinetic
from pymc_symplectic.kinetic.metric import DenseMetric, DiagonalMetric, Metric, as_metric
from pymc_symplectic.kinetic.relativistic import RelativisticKinetic

__all__ = [
    "DenseMetric",
    "DiagonalMetric",
    "GaussianKinetic",
    "KineticEnergy",
    "Metric",
    "RelativisticKinetic",
    "as_metric",
]
