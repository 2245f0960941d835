"""PyMC step methods running Hamiltonian dynamics with the integrators of this package."""

from pymc_symplectic.step_methods.hmc import SymplecticHMC
from pymc_symplectic.step_methods.nuts import SymplecticNUTS
from pymc_symplectic.step_methods.relativistic import RelativisticHMC, RelativisticNUTS

__all__ = ["RelativisticHMC", "RelativisticNUTS", "SymplecticHMC", "SymplecticNUTS"]
