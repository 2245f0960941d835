"""PyMC step methods running Hamiltonian dynamics with the integrators of this package."""

from pymc_symplectic.step_methods.hmc import SymplecticHMC

__all__ = ["SymplecticHMC"]
