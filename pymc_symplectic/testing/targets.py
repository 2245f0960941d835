"""Exact reference targets for sampler tests: PyMC models with known posterior expectations.

Each :class:`Target` builds a fresh model and turns a posterior into the list of
:class:`~pymc_symplectic.testing.checks.ExpectationCheck` comparisons against the
exact answer, ready for :func:`~pymc_symplectic.testing.checks.assert_within_mcse`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.stats

from pymc_symplectic.testing.checks import expectation_check, moment_checks

__all__ = [
    "BETA_A",
    "BETA_B",
    "GAUSSIAN_COV",
    "GAUSSIAN_MEAN",
    "STUDENT_NU",
    "TARGETS",
    "Target",
    "beta_binomial_checks",
    "beta_binomial_model",
    "gaussian_checks",
    "gaussian_model",
    "student_checks",
    "student_model",
]


def _gaussian_covariance(d: int = 10, condition: float = 100.0) -> np.ndarray:
    """Return a fixed covariance Q diag(lambda) Q^T, eigenvalues geometric in [1/condition, 1]."""
    q, r = np.linalg.qr(np.random.default_rng(20240611).normal(size=(d, d)))
    q = q * np.sign(np.diag(r))  # make the QR factor unique
    return (q * np.geomspace(1.0 / condition, 1.0, d)) @ q.T


GAUSSIAN_MEAN = np.linspace(-1.0, 1.0, 10)
GAUSSIAN_COV = _gaussian_covariance()
STUDENT_NU = 4.0
# Beta(2, 3) prior, 7 successes in 20 trials: the posterior is Beta(9, 16).
BETA_A, BETA_B = 2.0 + 7, 3.0 + 20 - 7


def gaussian_model():
    """Build a 10-d correlated Gaussian (condition number 100, known mean and covariance)."""
    import pymc as pm

    with pm.Model() as model:
        pm.MvNormal("x", mu=GAUSSIAN_MEAN, cov=GAUSSIAN_COV)
    return model


def gaussian_checks(posterior):
    """Compare the 10 means and 10 variances with the exact ones."""
    x = posterior["x"].values
    return moment_checks(x, GAUSSIAN_MEAN, np.diag(GAUSSIAN_COV), name="x")


def student_model():
    """Build a Student-t with 4 degrees of freedom (heavy tails, infinite 4th moment)."""
    import pymc as pm

    with pm.Model() as model:
        pm.StudentT("x", nu=STUDENT_NU, mu=0.0, sigma=1.0)
    return model


def student_checks(posterior):
    """Compare the mean and P(|x| < 1) with the exact ones."""
    # The variance of t_4 is 2, but the MCSE of a variance needs E[x^4] < inf, which
    # fails for nu = 4: check the bounded functional P(|x| < 1) instead.
    x = posterior["x"].values
    inside = 2 * scipy.stats.t.cdf(1.0, STUDENT_NU) - 1
    return [
        *moment_checks(x, 0.0, name="x"),
        expectation_check((np.abs(x) < 1).astype(float), inside, "P(|x| < 1)"),
    ]


def beta_binomial_model():
    """Build a Beta(2, 3) prior with 7 of 20 successes: the posterior is Beta(9, 16)."""
    import pymc as pm

    with pm.Model() as model:
        p = pm.Beta("p", 2.0, 3.0)
        pm.Binomial("y", n=20, p=p, observed=7)
    return model


def beta_binomial_checks(posterior):
    """Compare the posterior mean and variance with Beta(9, 16)'s."""
    a, b = BETA_A, BETA_B
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    return moment_checks(posterior["p"].values, mean, var, name="p")


@dataclass(frozen=True)
class Target:
    """A model factory, its exact checks, and how many comparisons they make."""

    model: Callable
    checks: Callable
    n_comparisons: int

    def __post_init__(self) -> None:
        for name in ("model", "checks"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable, got {getattr(self, name)!r}.")
        n = self.n_comparisons
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n_comparisons must be an integer >= 1, got {n!r}.")


TARGETS = {
    "gaussian10": Target(gaussian_model, gaussian_checks, 20),  # 10 means, 10 variances
    "student_t4": Target(student_model, student_checks, 2),  # mean, P(|x| < 1)
    "beta_binomial": Target(beta_binomial_model, beta_binomial_checks, 2),  # mean, variance
}
