"""pymc-symplectic: symplectic integrators and Hamiltonian step methods for PyMC."""

from pymc_symplectic import dynamics, integrators, kinetic

__version__ = "0.1.0"

__all__ = ["__version__", "dynamics", "integrators", "kinetic"]
