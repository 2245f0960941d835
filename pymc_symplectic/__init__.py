"""pymc-symplectic: symplectic integrators and Hamiltonian step methods for PyMC."""

# diagnostics and compare import PyMC only when their functions are called.
from pymc_symplectic import diagnostics, dynamics, integrators, kinetic
from pymc_symplectic.compare import compare

__version__ = "0.1.0"

__all__ = [
    "RelativisticHMC",
    "RelativisticNUTS",
    "SymplecticHMC",
    "SymplecticNUTS",
    "__version__",
    "compare",
    "diagnostics",
    "dynamics",
    "integrators",
    "kinetic",
]

_STEP_METHODS = ("RelativisticHMC", "RelativisticNUTS", "SymplecticHMC", "SymplecticNUTS")


def __getattr__(name):
    # Step methods import PyMC: load them on first use, so that the numerical
    # core (integrators, kinetic, dynamics) stays importable without PyMC.
    if name in _STEP_METHODS:
        from pymc_symplectic import step_methods

        return getattr(step_methods, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
