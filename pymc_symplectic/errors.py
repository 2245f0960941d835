"""Exceptions raised by pymc-symplectic."""

__all__ = ["ConvergenceError", "IntegrationError"]


class IntegrationError(RuntimeError):
    """An integrator could not take a step.

    The numerical core does not import PyMC, so this class does not derive from
    PyMC's ``IntegrationError``; the PyMC adapter re-raises it as PyMC's
    exception so that PyMC's samplers record the step as a divergence.
    """


class ConvergenceError(IntegrationError):
    """The nonlinear solve of an implicit integrator did not converge."""
