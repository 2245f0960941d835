"""The registry of example models: names, builders, metadata and exact references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pymc as pm

from pymc_symplectic.examples import models

__all__ = ["ExampleModel", "available", "get"]


@dataclass(frozen=True)
class ExampleModel:
    """An example model with what it stresses in a sampler and what is known about it.

    Attributes
    ----------
    name
        Registry name, e.g. ``"funnel"``.
    build
        Callable returning a new :class:`pymc.Model` on every call; keyword overrides
        (e.g. ``dim``) are documented on the builder.
    description
        One paragraph: the model and the geometry it stresses.
    parameters
        Names of the free random variables, in the model's order, for the default build.
    dim
        Number of unconstrained coordinates of the default build.
    reference
        Exact posterior quantities of the default build, or ``None`` when none are known.
        Keyed by variable name, each entry a dict with at least ``"mean"`` and ``"sd"``
        (floats for scalars, read-only arrays shaped like the variable); optional extra
        keys such as ``"cov"`` are documented on the reference function.
    truth
        Parameters that generated simulated data, or ``None``. Not posterior quantities:
        compare with them only qualitatively.
    reference_for
        Callable taking the same keyword overrides as ``build`` and returning the exact
        reference for that build, or ``None`` when ``reference`` does not depend on
        overrides (or does not exist).
    """

    name: str
    build: Callable[..., pm.Model]
    description: str
    parameters: tuple[str, ...]
    dim: int
    reference: dict[str, dict[str, Any]] | None = None
    truth: dict[str, Any] | None = None
    reference_for: Callable[..., dict[str, dict[str, Any]]] | None = None


def _entries() -> tuple[ExampleModel, ...]:
    return (
        ExampleModel(
            name="eight_schools_centered",
            build=models.eight_schools_centered,
            description=(
                "Eight schools, centred: mu ~ N(0, 5), tau ~ HalfCauchy(5), "
                "theta_j ~ N(mu, tau), y_j ~ N(theta_j, sigma_j). Stresses the funnel "
                "between log tau and theta: divergences and under-explored small tau."
            ),
            parameters=("mu", "tau", "theta"),
            dim=10,
        ),
        ExampleModel(
            name="eight_schools_noncentered",
            build=models.eight_schools_noncentered,
            description=(
                "Eight schools, non-centred: theta = mu + tau * theta_tilde, "
                "theta_tilde ~ N(0, 1). The same law without the funnel; the control for "
                "the centred model."
            ),
            parameters=("mu", "tau", "theta_tilde"),
            dim=10,
        ),
        ExampleModel(
            name="funnel",
            build=models.funnel,
            description=(
                "Neal's funnel: v ~ N(0, sd 3), x_i | v ~ N(0, sd exp(v/2)), 10-d by default. "
                "Stresses scale varying by orders of magnitude: no single step size or "
                "diagonal mass matrix fits; the neck (small v) is missed. Exact marginals."
            ),
            parameters=("v", "x"),
            dim=10,
            reference=models.funnel_reference(),
            reference_for=models.funnel_reference,
        ),
        ExampleModel(
            name="logistic_regression",
            build=models.logistic_regression,
            description=(
                "Logistic regression, 1000 rows, 25 correlated standardised predictors, "
                "N(0, 1) priors. Log-concave, near-Gaussian but correlated; measures "
                "efficiency per (O(np)) gradient."
            ),
            parameters=("intercept", "beta"),
            dim=26,
            truth=models.logistic_regression_truth(),
        ),
        ExampleModel(
            name="ill_conditioned_gaussian",
            build=models.ill_conditioned_gaussian,
            description=(
                "100-d Gaussian, randomly rotated, covariance eigenvalues log-uniform over "
                "condition number 1e4 (sds 0.01 to 1). Stresses ill-conditioning that a "
                "diagonal mass matrix cannot remove. Exact mean and covariance."
            ),
            parameters=("x",),
            dim=100,
            reference=models.ill_conditioned_gaussian_reference(),
            reference_for=models.ill_conditioned_gaussian_reference,
        ),
        ExampleModel(
            name="radon_varying_intercepts",
            build=models.radon_varying_intercepts,
            description=(
                "Radon-style varying intercepts, non-centred: 85 counties, 919 simulated "
                "houses, floor covariate. Stresses a hierarchical posterior with unbalanced "
                "groups: well-identified large groups correlate with mu_a and sigma_a."
            ),
            parameters=("mu_a", "sigma_a", "z_a", "beta", "sigma_y"),
            dim=89,
            truth=models.radon_varying_intercepts_truth(),
        ),
        ExampleModel(
            name="student_t_regression",
            build=models.student_t_regression,
            description=(
                "Linear regression with Student-t noise (nu ~ Gamma(2, 0.1)), 200 rows, "
                "3 predictors, 6 outliers. Stresses heavy tails: a non-log-concave "
                "likelihood and a skewed, long-tailed nu correlated with sigma."
            ),
            parameters=("intercept", "beta", "sigma", "nu"),
            dim=6,
            truth=models.student_t_regression_truth(),
        ),
        ExampleModel(
            name="stochastic_volatility",
            build=models.stochastic_volatility,
            description=(
                "Stochastic volatility: Gaussian random-walk log-volatility over 150 "
                "simulated days, Student-t returns. Stresses a long, strongly correlated "
                "latent path and a funnel between the step size and the path."
            ),
            parameters=("step_size", "volatility", "nu"),
            dim=152,
            truth=models.stochastic_volatility_truth(),
        ),
        ExampleModel(
            name="normal_normal",
            build=models.normal_normal,
            description=(
                "Conjugate normal mean with known sigma: mu ~ N(1, 1.5), y_i ~ N(mu, 2), "
                "12 observations. A sanity check with an exact normal posterior."
            ),
            parameters=("mu",),
            dim=1,
            reference=models.normal_normal_reference(),
        ),
        ExampleModel(
            name="beta_binomial",
            build=models.beta_binomial,
            description=(
                "Conjugate beta-binomial: p ~ Beta(2, 2), 10 successes in 50 trials. "
                "Exact Beta(12, 42) posterior; p is constrained, so it checks the logit "
                "transform and its Jacobian."
            ),
            parameters=("p",),
            dim=1,
            reference=models.beta_binomial_reference(),
        ),
    )


_REGISTRY: dict[str, ExampleModel] = {entry.name: entry for entry in _entries()}


def available() -> list[str]:
    """Return the names of the registered example models, in registration order."""
    return list(_REGISTRY)


def get(name: str) -> ExampleModel:
    """Return the registered example model called ``name``.

    Parameters
    ----------
    name
        One of :func:`available`.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the registered names.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown example model {name!r}; available: {', '.join(available())}."
        ) from None
