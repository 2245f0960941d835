"""pymc-symplectic: symplectic integrators and Hamiltonian step methods for PyMC."""

from pymc_symplectic import dynamics, integrators, kinetic

__version__ = "0.1.0"

__all__ = ["SymplecticHMC", "__version__", "dynamics", "integrators", "kinetic"]

_STEP_METHODS = ("SymplecticHMC",)


def __getattr__(name):
    # Step methods import PyMC: load them on first use, so that the numerical
    # core (integrators, kinetic, dynamics) stays importable without PyMC.
    if name in _STEP_METHODS:
        from pymc_symplectic import step_methods

        return getattr(step_methods, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
