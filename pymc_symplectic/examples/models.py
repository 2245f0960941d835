"""Example PyMC models on which samplers are compared, with their data and exact answers."""

from __future__ import annotations

import numpy as np
import pymc as pm

from pymc_symplectic._checks import check_integer, check_positive

__all__ = [
    "beta_binomial",
    "beta_binomial_reference",
    "eight_schools_centered",
    "eight_schools_noncentered",
    "funnel",
    "funnel_reference",
    "ill_conditioned_gaussian",
    "ill_conditioned_gaussian_reference",
    "logistic_regression",
    "logistic_regression_truth",
    "normal_normal",
    "normal_normal_reference",
    "radon_varying_intercepts",
    "radon_varying_intercepts_truth",
    "stochastic_volatility",
    "stochastic_volatility_truth",
    "student_t_regression",
    "student_t_regression_truth",
]

# One fixed seed per simulated data set, so that every build sees the same data.
_LOGISTIC_SEED = 20_240_601
_GAUSSIAN_SEED = 20_240_602
_RADON_SEED = 20_240_603
_STUDENT_T_SEED = 20_240_604
_VOLATILITY_SEED = 20_240_605


def _frozen(array) -> np.ndarray:
    """Return a read-only float copy, so shared references cannot be altered by callers."""
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


# --------------------------------------------------------------------------------------
# Eight schools (Rubin 1981; Gelman et al., Bayesian Data Analysis, 3rd ed., sec. 5.5)
# --------------------------------------------------------------------------------------

EIGHT_SCHOOLS_Y = (28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0)
EIGHT_SCHOOLS_SIGMA = (15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0)
_SCHOOLS = (
    "Choate",
    "Deerfield",
    "Phillips Andover",
    "Phillips Exeter",
    "Hotchkiss",
    "Lawrenceville",
    "St. Paul's",
    "Mt. Hermon",
)


def eight_schools_centered() -> pm.Model:
    r"""Build the centred eight-schools model (10 free dimensions).

    .. math::

        \mu \sim \mathcal N(0, 5^2), \quad \tau \sim \mathrm{HalfCauchy}(5), \quad
        \theta_j \sim \mathcal N(\mu, \tau^2), \quad
        y_j \sim \mathcal N(\theta_j, \sigma_j^2), \quad j = 1, \dots, 8,

    with the classic data ``y = [28, 8, -3, 7, -1, 1, 18, 12]`` and known
    ``sigma = [15, 10, 16, 11, 9, 11, 10, 18]``, as in the PyMC and Stan case studies.

    What it stresses: the funnel between :math:`\log\tau` and :math:`\theta`. With eight
    weakly informative observations the posterior puts mass at small :math:`\tau`, where
    the :math:`\theta_j` are squeezed together and the curvature grows like
    :math:`1/\tau^2`; a fixed step size that suits the mouth of the funnel diverges in
    its neck, so NUTS reports divergences and under-explores small :math:`\tau`.

    Returns
    -------
    pymc.Model
        A new model with free variables ``mu``, ``tau``, ``theta``.
    """
    with pm.Model(coords={"school": _SCHOOLS}) as model:
        mu = pm.Normal("mu", mu=0.0, sigma=5.0)
        tau = pm.HalfCauchy("tau", beta=5.0)
        theta = pm.Normal("theta", mu=mu, sigma=tau, dims="school")
        pm.Normal(
            "y",
            mu=theta,
            sigma=np.array(EIGHT_SCHOOLS_SIGMA),
            observed=np.array(EIGHT_SCHOOLS_Y),
            dims="school",
        )
    return model


def eight_schools_noncentered() -> pm.Model:
    r"""Build the non-centred eight-schools model (10 free dimensions).

    The same joint law as :func:`eight_schools_centered`, written through standardised
    school effects:

    .. math::

        \mu \sim \mathcal N(0, 5^2), \quad \tau \sim \mathrm{HalfCauchy}(5), \quad
        \tilde\theta_j \sim \mathcal N(0, 1), \quad
        \theta_j = \mu + \tau \tilde\theta_j, \quad
        y_j \sim \mathcal N(\theta_j, \sigma_j^2),

    with ``theta`` kept as a deterministic.

    What it stresses: little. With data this weak the prior dominates and the
    reparametrisation removes the funnel, leaving a mildly correlated, heavy-tailed (in
    :math:`\tau`) posterior; it is the control that shows the centred model's trouble
    is geometry, not the sampler.

    Returns
    -------
    pymc.Model
        A new model with free variables ``mu``, ``tau``, ``theta_tilde``.
    """
    with pm.Model(coords={"school": _SCHOOLS}) as model:
        mu = pm.Normal("mu", mu=0.0, sigma=5.0)
        tau = pm.HalfCauchy("tau", beta=5.0)
        theta_tilde = pm.Normal("theta_tilde", mu=0.0, sigma=1.0, dims="school")
        theta = pm.Deterministic("theta", mu + tau * theta_tilde, dims="school")
        pm.Normal(
            "y",
            mu=theta,
            sigma=np.array(EIGHT_SCHOOLS_SIGMA),
            observed=np.array(EIGHT_SCHOOLS_Y),
            dims="school",
        )
    return model


# --------------------------------------------------------------------------------------
# Neal's funnel (Neal 2003, "Slice sampling", Ann. Statist. 31(3), sec. 8)
# --------------------------------------------------------------------------------------

FUNNEL_V_SD = 3.0


def funnel(dim: int = 10) -> pm.Model:
    r"""Build Neal's funnel in ``dim`` dimensions (default 10).

    .. math::

        v \sim \mathcal N(0, 3^2), \qquad
        x_i \mid v \sim \mathcal N(0, e^{v}), \quad i = 1, \dots, d - 1,

    that is, :math:`x_i` has standard deviation :math:`e^{v/2}`. There is no data: the
    target is the prior itself, so its marginals are known exactly (see
    :func:`funnel_reference`).

    What it stresses: scale that varies by orders of magnitude across the target. The
    conditional scale of :math:`x` runs from :math:`e^{-4.5} \approx 0.01` to
    :math:`e^{4.5} \approx 90` over :math:`v \in [-9, 9]`, so no single step size or
    diagonal mass matrix fits; samplers diverge in the neck (small :math:`v`) and miss
    its mass, biasing :math:`v` upwards. :math:`x` is heavy-tailed.

    Parameters
    ----------
    dim
        Total dimension :math:`d \ge 2` (one :math:`v` plus :math:`d - 1` coordinates
        :math:`x`).

    Returns
    -------
    pymc.Model
        A new model with free variables ``v`` (scalar) and ``x`` (length ``dim - 1``).
    """
    dim = check_integer("dim", dim, 2)
    with pm.Model() as model:
        v = pm.Normal("v", mu=0.0, sigma=FUNNEL_V_SD)
        pm.Normal("x", mu=0.0, sigma=pm.math.exp(v / 2.0), shape=(dim - 1,))
    return model


def funnel_reference(dim: int = 10) -> dict:
    r"""Return the exact posterior means and standard deviations of :func:`funnel`.

    :math:`v \sim \mathcal N(0, 9)` exactly (the :math:`x` integrate out). Each
    :math:`x_i` has mean 0 by symmetry and, by the law of total variance,

    .. math::

        \operatorname{Var} x_i = E[\operatorname{Var}(x_i \mid v)] = E[e^{v}]
        = e^{\sigma_v^2 / 2} = e^{9/2},

    the log-normal mean, so :math:`\operatorname{sd} x_i = e^{9/4} \approx 9.4877`.

    Parameters
    ----------
    dim
        Total dimension, as in :func:`funnel`.

    Returns
    -------
    dict
        ``{"v": {"mean", "sd"}, "x": {"mean", "sd"}}``; ``x`` entries are arrays of length
        ``dim - 1``.
    """
    dim = check_integer("dim", dim, 2)
    x_sd = np.exp(FUNNEL_V_SD**2 / 4.0)  # sqrt(exp(sigma_v^2 / 2))
    return {
        "v": {"mean": 0.0, "sd": FUNNEL_V_SD},
        "x": {"mean": _frozen(np.zeros(dim - 1)), "sd": _frozen(np.full(dim - 1, x_sd))},
    }


# --------------------------------------------------------------------------------------
# Logistic regression (synthetic)
# --------------------------------------------------------------------------------------


def _logistic_data(n_obs: int, n_predictors: int):
    """Simulate a standardised, AR(1)-correlated design and Bernoulli outcomes."""
    rng = np.random.default_rng(_LOGISTIC_SEED)
    # Predictors correlated as corr(X_j, X_k) = 0.5^|j - k|, then standardised.
    idx = np.arange(n_predictors)
    corr = 0.5 ** np.abs(idx[:, None] - idx[None, :])
    design = rng.standard_normal((n_obs, n_predictors)) @ np.linalg.cholesky(corr).T
    design = (design - design.mean(axis=0)) / design.std(axis=0)
    intercept = -0.5
    beta = rng.normal(0.0, 0.5, size=n_predictors)
    p = 1.0 / (1.0 + np.exp(-(intercept + design @ beta)))
    y = (rng.random(n_obs) < p).astype(np.int64)
    return design, y, intercept, beta


def logistic_regression(n_obs: int = 1000, n_predictors: int = 25) -> pm.Model:
    r"""Build a Bayesian logistic regression on synthetic data (26 free dimensions).

    .. math::

        \alpha \sim \mathcal N(0, 1), \quad \beta_k \sim \mathcal N(0, 1), \quad
        y_i \sim \mathrm{Bernoulli}\bigl(\operatorname{logit}^{-1}(\alpha + x_i^\top \beta)
        \bigr), \quad i = 1, \dots, n.

    Data: :math:`n = 1000` rows, :math:`p = 25` predictors drawn with correlation
    :math:`0.5^{|j-k|}` and standardised column-wise; true intercept :math:`-0.5`,
    true :math:`\beta_k \sim \mathcal N(0, 0.5^2)` drawn once from a fixed seed (see
    :func:`logistic_regression_truth`).

    What it stresses: the realistic easy case. The posterior is log-concave and close to
    Gaussian but correlated (through the correlated predictors), and each gradient costs
    :math:`O(np)`; it measures raw efficiency per gradient rather than robustness.

    Parameters
    ----------
    n_obs
        Number of rows :math:`n \ge 1`.
    n_predictors
        Number of predictors :math:`p \ge 1`.

    Returns
    -------
    pymc.Model
        A new model with free variables ``intercept`` and ``beta`` (length ``p``).
    """
    n_obs = check_integer("n_obs", n_obs, 2)
    n_predictors = check_integer("n_predictors", n_predictors, 1)
    design, y, _, _ = _logistic_data(n_obs, n_predictors)
    with pm.Model() as model:
        intercept = pm.Normal("intercept", mu=0.0, sigma=1.0)
        beta = pm.Normal("beta", mu=0.0, sigma=1.0, shape=(n_predictors,))
        pm.Bernoulli("y", logit_p=intercept + pm.math.dot(design, beta), observed=y)
    return model


def logistic_regression_truth(n_obs: int = 1000, n_predictors: int = 25) -> dict:
    """Return the coefficients that generated the data of :func:`logistic_regression`.

    These are not posterior quantities: the posterior concentrates near them only as
    ``n_obs`` grows.

    Returns
    -------
    dict
        ``{"intercept": float, "beta": array of length n_predictors}``.
    """
    n_obs = check_integer("n_obs", n_obs, 2)
    n_predictors = check_integer("n_predictors", n_predictors, 1)
    _, _, intercept, beta = _logistic_data(n_obs, n_predictors)
    return {"intercept": intercept, "beta": _frozen(beta)}


# --------------------------------------------------------------------------------------
# Ill-conditioned Gaussian
# --------------------------------------------------------------------------------------


def _gaussian_parameters(dim: int, condition_number: float):
    """Return the mean, covariance and its eigen-decomposition for the Gaussian target."""
    rng = np.random.default_rng(_GAUSSIAN_SEED)
    mean = rng.standard_normal(dim)
    # Haar-distributed rotation: QR of a Gaussian matrix with R's diagonal made positive
    # (Mezzadri 2007, "How to generate random matrices from the classical compact groups").
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    rotation = q * np.sign(np.diag(r))
    # Standard deviations log-uniformly spaced, so the covariance eigenvalues sd^2 span
    # [1 / condition_number, 1].
    sds = np.geomspace(condition_number**-0.5, 1.0, dim)
    cov = (rotation * sds**2) @ rotation.T
    cov = 0.5 * (cov + cov.T)
    return mean, cov, sds**2


def ill_conditioned_gaussian(dim: int = 100, condition_number: float = 1e4) -> pm.Model:
    r"""Build a rotated, ill-conditioned multivariate normal (default 100-d).

    .. math::

        x \sim \mathcal N(m, \Sigma), \qquad
        \Sigma = Q \operatorname{diag}(s_1^2, \dots, s_d^2) Q^\top,

    with :math:`s_k` spaced evenly in :math:`\log` from :math:`\kappa^{-1/2}` to 1
    (:math:`\kappa = 10^4` by default, so sds from 0.01 to 1 and
    :math:`\operatorname{cond}\Sigma = \kappa` exactly), :math:`Q` a Haar-random rotation
    and :math:`m` a standard normal vector, both drawn from a fixed seed.

    What it stresses: ill-conditioning that a diagonal mass matrix cannot remove. Stability
    forces the step size below about :math:`2 s_{\min}` while the longest direction needs
    :math:`O(s_{\max}/s_{\min}) = O(\sqrt\kappa)` steps to cross, so cost grows with
    :math:`\sqrt\kappa`; it is also where higher-order and multi-stage integrators gain
    most per gradient. Exact mean and covariance are known
    (:func:`ill_conditioned_gaussian_reference`).

    Parameters
    ----------
    dim
        Dimension :math:`d \ge 2`.
    condition_number
        :math:`\kappa \ge 1`, the ratio of the largest to the smallest eigenvalue of
        :math:`\Sigma`.

    Returns
    -------
    pymc.Model
        A new model with the free variable ``x`` of length ``dim``.
    """
    dim = check_integer("dim", dim, 2)
    condition_number = _check_condition_number(condition_number)
    mean, cov, _ = _gaussian_parameters(dim, condition_number)
    with pm.Model() as model:
        pm.MvNormal("x", mu=mean, chol=np.linalg.cholesky(cov), shape=(dim,))
    return model


def _check_condition_number(value) -> float:
    value = check_positive("condition_number", value)
    if value < 1.0:
        raise ValueError(f"condition_number must be >= 1, got {value!r}.")
    return value


def ill_conditioned_gaussian_reference(dim: int = 100, condition_number: float = 1e4) -> dict:
    """Return the exact mean, covariance and standard deviations of the Gaussian target.

    Parameters
    ----------
    dim, condition_number
        As in :func:`ill_conditioned_gaussian`.

    Returns
    -------
    dict
        ``{"x": {"mean", "sd", "cov", "cov_eigenvalues"}}``; ``cov_eigenvalues`` ascend.
    """
    dim = check_integer("dim", dim, 2)
    condition_number = _check_condition_number(condition_number)
    mean, cov, eigenvalues = _gaussian_parameters(dim, condition_number)
    return {
        "x": {
            "mean": _frozen(mean),
            "sd": _frozen(np.sqrt(np.diag(cov))),
            "cov": _frozen(cov),
            "cov_eigenvalues": _frozen(eigenvalues),
        }
    }


# --------------------------------------------------------------------------------------
# Radon-style varying intercepts (Gelman & Hill 2007, ch. 12; PyMC's multilevel primer)
# --------------------------------------------------------------------------------------

_RADON_TRUTH = {"mu_a": 1.5, "sigma_a": 0.3, "beta": -0.7, "sigma_y": 0.75}


def _radon_data(n_groups: int, n_obs: int):
    """Simulate unbalanced groups, a 0/1 floor covariate and log-radon outcomes."""
    rng = np.random.default_rng(_RADON_SEED)
    # Unbalanced group sizes like Minnesota counties: log-normal weights, at least one each.
    weights = rng.lognormal(0.0, 1.2, size=n_groups)
    sizes = 1 + rng.multinomial(n_obs - n_groups, weights / weights.sum())
    group = np.repeat(np.arange(n_groups), sizes)
    floor = (rng.random(n_obs) < 0.17).astype(float)  # ~17% measured on the first floor
    t = _RADON_TRUTH
    z_a = rng.standard_normal(n_groups)
    alpha = t["mu_a"] + t["sigma_a"] * z_a
    y = alpha[group] + t["beta"] * floor + t["sigma_y"] * rng.standard_normal(n_obs)
    return group, floor, y, z_a


def radon_varying_intercepts(n_groups: int = 85, n_obs: int = 919) -> pm.Model:
    r"""Build a non-centred varying-intercept model on simulated radon-like data (89-d).

    .. math::

        \mu_a \sim \mathcal N(0, 10^2), \quad \sigma_a \sim \mathrm{Exponential}(1), \quad
        z_j \sim \mathcal N(0, 1), \quad \alpha_j = \mu_a + \sigma_a z_j, \\
        \beta \sim \mathcal N(0, 10^2), \quad \sigma_y \sim \mathrm{Exponential}(1), \quad
        y_i \sim \mathcal N(\alpha_{j[i]} + \beta\,\mathrm{floor}_i, \sigma_y^2),

    the priors of PyMC's "A Primer on Bayesian Methods for Multilevel Modeling". Data
    mimic the Minnesota radon survey (Gelman & Hill 2007): 85 counties, 919 houses,
    log-normal county sizes (1 to 134 houses, median 5), a 0/1 floor indicator (about
    17% ones), simulated from :math:`\mu_a = 1.5, \sigma_a = 0.3, \beta = -0.7,
    \sigma_y = 0.75` with a fixed seed (:func:`radon_varying_intercepts_truth`).

    What it stresses: a moderately high-dimensional hierarchical posterior with
    heterogeneous information. The non-centred form suits the many small counties
    (prior-dominated, no funnel) but makes the large, data-dominated counties'
    :math:`z_j` strongly correlated with :math:`\mu_a` and :math:`\sigma_a`; step size
    and mass-matrix adaptation must handle both, and the scales differ by group size.

    Parameters
    ----------
    n_groups
        Number of counties :math:`J \ge 2`.
    n_obs
        Number of houses :math:`n \ge J`.

    Returns
    -------
    pymc.Model
        A new model with free variables ``mu_a``, ``sigma_a``, ``z_a`` (length ``J``),
        ``beta``, ``sigma_y``; ``alpha`` is a deterministic.
    """
    n_groups, n_obs = _check_radon_sizes(n_groups, n_obs)
    group, floor, y, _ = _radon_data(n_groups, n_obs)
    with pm.Model(coords={"county": np.arange(n_groups)}) as model:
        mu_a = pm.Normal("mu_a", mu=0.0, sigma=10.0)
        sigma_a = pm.Exponential("sigma_a", lam=1.0)
        z_a = pm.Normal("z_a", mu=0.0, sigma=1.0, dims="county")
        alpha = pm.Deterministic("alpha", mu_a + sigma_a * z_a, dims="county")
        beta = pm.Normal("beta", mu=0.0, sigma=10.0)
        sigma_y = pm.Exponential("sigma_y", lam=1.0)
        pm.Normal("y", mu=alpha[group] + beta * floor, sigma=sigma_y, observed=y)
    return model


def _check_radon_sizes(n_groups, n_obs) -> tuple[int, int]:
    n_groups = check_integer("n_groups", n_groups, 2)
    n_obs = check_integer("n_obs", n_obs, 1)
    if n_obs < n_groups:
        raise ValueError(f"n_obs must be >= n_groups ({n_groups}), got {n_obs}.")
    return n_groups, n_obs


def radon_varying_intercepts_truth(n_groups: int = 85, n_obs: int = 919) -> dict:
    """Return the parameters that generated the data of :func:`radon_varying_intercepts`.

    Returns
    -------
    dict
        ``{"mu_a", "sigma_a", "z_a", "beta", "sigma_y"}``; ``z_a`` has length ``n_groups``.
    """
    n_groups, n_obs = _check_radon_sizes(n_groups, n_obs)
    *_, z_a = _radon_data(n_groups, n_obs)
    t = _RADON_TRUTH
    return {
        "mu_a": t["mu_a"],
        "sigma_a": t["sigma_a"],
        "z_a": _frozen(z_a),
        "beta": t["beta"],
        "sigma_y": t["sigma_y"],
    }


# --------------------------------------------------------------------------------------
# Robust regression with Student-t noise
# --------------------------------------------------------------------------------------

_STUDENT_T_TRUTH = {"intercept": 1.0, "beta": (2.0, -1.0, 0.5), "sigma": 0.5, "nu": 3.0}
_N_OUTLIERS = 6


def _student_t_data(n_obs: int):
    """Simulate a 3-predictor regression with t(3) noise and a few gross outliers."""
    rng = np.random.default_rng(_STUDENT_T_SEED)
    t = _STUDENT_T_TRUTH
    design = rng.standard_normal((n_obs, 3))
    noise = t["sigma"] * rng.standard_t(t["nu"], size=n_obs)
    y = t["intercept"] + design @ np.array(t["beta"]) + noise
    # Gross outliers: shift a few rows by 10-20 noise scales, in random directions.
    n_out = min(_N_OUTLIERS, n_obs)
    rows = rng.choice(n_obs, size=n_out, replace=False)
    y[rows] += rng.choice([-1.0, 1.0], size=n_out) * rng.uniform(5.0, 10.0, size=n_out)
    return design, y


def student_t_regression(n_obs: int = 200, nu: float | None = None) -> pm.Model:
    r"""Build a linear regression with Student-t noise on data with outliers (6-d).

    .. math::

        \alpha \sim \mathcal N(0, 5^2), \quad \beta_k \sim \mathcal N(0, 5^2), \quad
        \sigma \sim \mathrm{HalfNormal}(2), \quad \nu \sim \mathrm{Gamma}(2, 0.1), \\
        y_i \sim t_\nu(\alpha + x_i^\top\beta, \sigma), \quad i = 1, \dots, n,

    with the Gamma(shape 2, rate 0.1) prior on the degrees of freedom recommended by
    Juárez & Steel (2010). Pass ``nu`` to fix it instead (5-d). Data: :math:`n = 200`,
    three standard normal predictors, true :math:`\alpha = 1, \beta = (2, -1, 0.5),
    \sigma = 0.5` and :math:`t_3` noise, plus six rows shifted by 5-10 units
    (:func:`student_t_regression_truth`).

    What it stresses: heavy tails. The likelihood is not log-concave, so the curvature
    changes sharply near outliers, and :math:`\nu` has a skewed posterior with a long
    right tail that is correlated with :math:`\sigma`; adaptation tuned on the bulk can
    misjudge the tails.

    Parameters
    ----------
    n_obs
        Number of rows :math:`n \ge 1`.
    nu
        Fixed degrees of freedom (> 0), or ``None`` (default) to give :math:`\nu` the
        Gamma prior.

    Returns
    -------
    pymc.Model
        A new model with free variables ``intercept``, ``beta`` (length 3), ``sigma`` and,
        unless ``nu`` is fixed, ``nu``.
    """
    n_obs = check_integer("n_obs", n_obs, 1)
    if nu is not None:
        nu = check_positive("nu", nu)
    design, y = _student_t_data(n_obs)
    with pm.Model() as model:
        intercept = pm.Normal("intercept", mu=0.0, sigma=5.0)
        beta = pm.Normal("beta", mu=0.0, sigma=5.0, shape=(3,))
        sigma = pm.HalfNormal("sigma", sigma=2.0)
        if nu is None:
            nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
        pm.StudentT("y", nu=nu, mu=intercept + pm.math.dot(design, beta), sigma=sigma, observed=y)
    return model


def student_t_regression_truth(n_obs: int = 200) -> dict:
    """Return the parameters that generated the data of :func:`student_t_regression`.

    The outliers are not drawn from this law: they are a deliberate contamination.

    Returns
    -------
    dict
        ``{"intercept", "beta", "sigma", "nu"}``.
    """
    check_integer("n_obs", n_obs, 1)
    t = _STUDENT_T_TRUTH
    return {
        "intercept": t["intercept"],
        "beta": _frozen(t["beta"]),
        "sigma": t["sigma"],
        "nu": t["nu"],
    }


# --------------------------------------------------------------------------------------
# Stochastic volatility (as in PyMC's example "Stochastic Volatility model")
# --------------------------------------------------------------------------------------

_VOLATILITY_TRUTH = {"step_size": 0.08, "nu": 8.0, "initial_volatility": -4.5}


def _volatility_data(n_steps: int):
    """Simulate a random-walk log-volatility path and Student-t daily returns."""
    rng = np.random.default_rng(_VOLATILITY_SEED)
    t = _VOLATILITY_TRUTH
    increments = t["step_size"] * rng.standard_normal(n_steps)
    increments[0] = 0.0
    volatility = t["initial_volatility"] + np.cumsum(increments)
    returns = np.exp(volatility) * rng.standard_t(t["nu"], size=n_steps)
    return returns, volatility


def stochastic_volatility(n_steps: int = 150) -> pm.Model:
    r"""Build a stochastic-volatility model on simulated returns (152-d by default).

    .. math::

        s \sim \mathrm{Exponential}(10), \quad \nu \sim \mathrm{Exponential}(0.1), \quad
        h_1 \sim \mathcal N(0, 100^2), \quad h_t \mid h_{t-1} \sim \mathcal N(h_{t-1}, s^2),
        \\
        r_t \sim t_\nu(0, \lambda_t), \quad \lambda_t = e^{-2 h_t}
        \ \text{(precision; scale } e^{h_t}), \quad t = 1, \dots, T,

    as in PyMC's stochastic-volatility example, with returns simulated from
    :math:`h_1 = -4.5` (about 1% daily), :math:`s = 0.08`, :math:`\nu = 8`,
    :math:`T = 150` and a fixed seed instead of S&P 500 data
    (:func:`stochastic_volatility_truth`).

    What it stresses: a long latent time series. The :math:`T` log-volatilities are
    strongly correlated along the path (a random-walk prior), each is weakly identified
    by one observation, and the step size :math:`s` forms a funnel with the path's
    increments (centred parametrisation); scales range from the diffuse :math:`h_1`
    prior to the tight :math:`s`.

    Parameters
    ----------
    n_steps
        Number of time points :math:`T \ge 2`.

    Returns
    -------
    pymc.Model
        A new model with free variables ``step_size``, ``volatility`` (length ``T``),
        ``nu``.
    """
    n_steps = check_integer("n_steps", n_steps, 2)
    returns, _ = _volatility_data(n_steps)
    with pm.Model(coords={"time": np.arange(n_steps)}) as model:
        step_size = pm.Exponential("step_size", lam=10.0)
        volatility = pm.GaussianRandomWalk(
            "volatility",
            sigma=step_size,
            init_dist=pm.Normal.dist(0.0, 100.0),
            dims="time",
        )
        nu = pm.Exponential("nu", lam=0.1)
        pm.StudentT(
            "returns", nu=nu, lam=pm.math.exp(-2.0 * volatility), observed=returns, dims="time"
        )
    return model


def stochastic_volatility_truth(n_steps: int = 150) -> dict:
    """Return the parameters and latent path that generated :func:`stochastic_volatility`'s data.

    Returns
    -------
    dict
        ``{"step_size", "volatility", "nu"}``; ``volatility`` has length ``n_steps``.
    """
    n_steps = check_integer("n_steps", n_steps, 2)
    _, volatility = _volatility_data(n_steps)
    t = _VOLATILITY_TRUTH
    return {"step_size": t["step_size"], "volatility": _frozen(volatility), "nu": t["nu"]}


# --------------------------------------------------------------------------------------
# Conjugate models with exact posteriors
# --------------------------------------------------------------------------------------

NORMAL_NORMAL_PRIOR = {"mu0": 1.0, "tau0": 1.5}
NORMAL_NORMAL_SIGMA = 2.0
# Twelve draws from N(3, 2^2) (numpy default_rng(20240611)), rounded to 2 decimals.
NORMAL_NORMAL_Y = (2.58, 1.96, 3.3, -0.58, 3.57, 2.36, 1.55, 3.2, -0.9, 2.68, 1.54, 3.82)


def normal_normal() -> pm.Model:
    r"""Build the conjugate normal model with known noise (1-d, exact posterior).

    .. math::

        \mu \sim \mathcal N(\mu_0, \tau_0^2), \qquad
        y_i \mid \mu \sim \mathcal N(\mu, \sigma^2), \quad i = 1, \dots, 12,

    with :math:`\mu_0 = 1, \tau_0 = 1.5, \sigma = 2` and twelve shipped observations.
    The posterior is :math:`\mathcal N(\mu_n, \tau_n^2)` with
    :math:`\tau_n^{-2} = \tau_0^{-2} + n\sigma^{-2}` and
    :math:`\mu_n = \tau_n^2(\mu_0\tau_0^{-2} + \sigma^{-2}\sum_i y_i)`
    (:func:`normal_normal_reference`).

    What it stresses: nothing; it is a sanity check with an exact answer, cheap enough
    to sample in unit tests.

    Returns
    -------
    pymc.Model
        A new model with the free variable ``mu``.
    """
    with pm.Model() as model:
        mu = pm.Normal("mu", mu=NORMAL_NORMAL_PRIOR["mu0"], sigma=NORMAL_NORMAL_PRIOR["tau0"])
        pm.Normal("y", mu=mu, sigma=NORMAL_NORMAL_SIGMA, observed=np.array(NORMAL_NORMAL_Y))
    return model


def normal_normal_reference() -> dict:
    """Return the exact posterior mean and standard deviation of :func:`normal_normal`.

    Returns
    -------
    dict
        ``{"mu": {"mean", "sd"}}``; the posterior is normal, so these determine it.
    """
    y = np.array(NORMAL_NORMAL_Y)
    prior_precision = NORMAL_NORMAL_PRIOR["tau0"] ** -2
    data_precision = y.size / NORMAL_NORMAL_SIGMA**2
    precision = prior_precision + data_precision
    mean = (NORMAL_NORMAL_PRIOR["mu0"] * prior_precision + y.sum() / NORMAL_NORMAL_SIGMA**2) / (
        precision
    )
    return {"mu": {"mean": float(mean), "sd": float(precision**-0.5)}}


BETA_BINOMIAL_PRIOR = {"alpha": 2.0, "beta": 2.0}
BETA_BINOMIAL_TRIALS = (10, 12, 8, 15, 5)
BETA_BINOMIAL_SUCCESSES = (2, 3, 1, 4, 0)


def beta_binomial() -> pm.Model:
    r"""Build the conjugate beta-binomial model (1-d, constrained, exact posterior).

    .. math::

        p \sim \mathrm{Beta}(2, 2), \qquad
        k_i \mid p \sim \mathrm{Binomial}(n_i, p), \quad i = 1, \dots, 5,

    with trials ``n = [10, 12, 8, 15, 5]`` and successes ``k = [2, 3, 1, 4, 0]``
    (10 of 50). The posterior is :math:`\mathrm{Beta}(2 + \sum k_i, 2 + \sum (n_i - k_i))
    = \mathrm{Beta}(12, 42)` (:func:`beta_binomial_reference`).

    What it stresses: the transform of a constrained parameter. :math:`p \in (0, 1)` is
    sampled as :math:`\operatorname{logit} p` with the log-Jacobian
    :math:`\log p(1-p)` added; a sampler that drops or double-counts it gets a visibly
    wrong posterior mean.

    Returns
    -------
    pymc.Model
        A new model with the free variable ``p`` (value variable ``p_logodds__``).
    """
    with pm.Model() as model:
        p = pm.Beta("p", alpha=BETA_BINOMIAL_PRIOR["alpha"], beta=BETA_BINOMIAL_PRIOR["beta"])
        pm.Binomial(
            "k",
            n=np.array(BETA_BINOMIAL_TRIALS),
            p=p,
            observed=np.array(BETA_BINOMIAL_SUCCESSES),
        )
    return model


def beta_binomial_reference() -> dict:
    r"""Return the exact posterior of :func:`beta_binomial`.

    For :math:`\mathrm{Beta}(a, b)`: mean :math:`a/(a+b)`, variance
    :math:`ab/((a+b)^2(a+b+1))`.

    Returns
    -------
    dict
        ``{"p": {"mean", "sd", "alpha", "beta"}}``, with ``alpha`` and ``beta`` the
        parameters of the Beta posterior.
    """
    k = sum(BETA_BINOMIAL_SUCCESSES)
    n = sum(BETA_BINOMIAL_TRIALS)
    a = BETA_BINOMIAL_PRIOR["alpha"] + k
    b = BETA_BINOMIAL_PRIOR["beta"] + (n - k)
    mean = a / (a + b)
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
    return {"p": {"mean": float(mean), "sd": float(sd), "alpha": float(a), "beta": float(b)}}
