"""Reference posteriors: PyMC ports of benchmark models with sampler-independent means and sds."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.special
import scipy.stats

__all__ = [
    "REFERENCE_POSTERIORS",
    "ParameterResult",
    "ReferenceCheck",
    "ReferencePosterior",
    "ar3_conjugate",
    "ar3_conjugate_reference",
    "assert_reference_posterior",
    "check_reference_posterior",
    "eight_schools_log_tau_density",
    "eight_schools_reference",
    "false_alarm_rate",
    "gaussian_mixture",
    "gaussian_mixture_reference",
    "gp_regression",
    "gp_regression_reference",
    "irt_2pl",
    "irt_2pl_reference",
    "mixture_log_density",
    "reference_posterior",
    "required_ess",
]

#: Seeds of the simulated data sets (the references are computed from whatever data
#: the seed gives, except the 2PL model, whose data are shipped as constants).
_MIXTURE_SEED = 20_240_702
_AR_SEED = 20_240_703
_GP_SEED = 20_240_704


def _frozen(array) -> np.ndarray:
    """Return a read-only float copy, so that cached references cannot be altered."""
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


def _entry(mean, sd, mcse_mean=None, mcse_sd=None) -> dict[str, Any]:
    """Return one reference entry: floats for scalars, read-only arrays otherwise."""

    def convert(x):
        x = np.asarray(x, dtype=float)
        return float(x) if x.ndim == 0 else _frozen(x)

    entry = {"mean": convert(mean), "sd": convert(sd)}
    if mcse_mean is not None:
        entry["mcse_mean"] = convert(mcse_mean)
    if mcse_sd is not None:
        entry["mcse_sd"] = convert(mcse_sd)
    return entry


def _trapezoid_moments(u: np.ndarray, log_density: np.ndarray, moments: Mapping[str, Any]):
    r"""Integrate conditional moments against a 1-D unnormalised log density on a grid.

    For each ``name: (m, v)`` with :math:`m = E[X \mid u]`, :math:`v = \mathrm{Var}(X \mid u)`
    (arrays whose first axis runs over the grid), return the mean and sd of :math:`X` by
    the laws of total expectation and variance,
    :math:`E X = E[m]`, :math:`\mathrm{Var} X = E[v] + E[m^2] - (E X)^2`.
    """
    weights = np.exp(log_density - log_density.max())
    weights = weights / np.trapezoid(weights, u)
    out = {}
    for name, (m, v) in moments.items():
        m = np.asarray(m, dtype=float)
        v = np.asarray(v, dtype=float)
        w = weights.reshape((-1,) + (1,) * (m.ndim - 1))
        mean = np.trapezoid(w * m, u, axis=0)
        second = np.trapezoid(w * (v + m**2), u, axis=0)
        out[name] = (mean, np.sqrt(second - mean**2))
    return out


# --------------------------------------------------------------------------------------
# Eight schools, non-centred (Rubin 1981; Gelman et al., BDA3, sec. 5.5)
# --------------------------------------------------------------------------------------

#: Priors of :func:`pymc_symplectic.examples.eight_schools_noncentered`:
#: mu ~ N(0, 5^2), tau ~ HalfCauchy(5).
EIGHT_SCHOOLS_MU_SD = 5.0
EIGHT_SCHOOLS_TAU_SCALE = 5.0


def _eight_schools_data():
    from pymc_symplectic.examples.models import EIGHT_SCHOOLS_SIGMA, EIGHT_SCHOOLS_Y

    return np.array(EIGHT_SCHOOLS_Y), np.array(EIGHT_SCHOOLS_SIGMA)


def eight_schools_log_tau_density(log_tau: np.ndarray) -> np.ndarray:
    r"""Return :math:`\log p(\log\tau \mid y)` of eight schools, up to a constant.

    With :math:`\theta_j` and :math:`\mu` integrated out analytically (Gelman et al.,
    BDA3, sec. 5.4, here with the proper prior :math:`\mu \sim \mathcal N(0, 5^2)`): with
    :math:`V_j = \sigma_j^2 + \tau^2` and :math:`P = 5^{-2} + \sum_j V_j^{-1}`,

    .. math::

        \log p(\tau \mid y) = \log p(\tau) - \tfrac12 \sum_j \log V_j - \tfrac12 \log P
        - \tfrac12 \Bigl(\sum_j y_j^2 / V_j - P^{-1} \bigl(\textstyle\sum_j y_j / V_j\bigr)^2
        \Bigr) + \text{const},

    plus :math:`\log\tau` for the change of variable to :math:`\log\tau`.
    """
    y, s = _eight_schools_data()
    tau = np.exp(np.asarray(log_tau, dtype=float))[:, None]
    v = s**2 + tau**2
    precision = EIGHT_SCHOOLS_MU_SD**-2 + (1.0 / v).sum(axis=1)
    weighted = (y / v).sum(axis=1)
    log_prior_tau = scipy.stats.halfcauchy.logpdf(tau[:, 0], scale=EIGHT_SCHOOLS_TAU_SCALE)
    return (
        log_prior_tau
        - 0.5 * np.log(v).sum(axis=1)
        - 0.5 * np.log(precision)
        - 0.5 * ((y**2 / v).sum(axis=1) - weighted**2 / precision)
        + np.log(tau[:, 0])
    )


@functools.cache
def _eight_schools_reference(n_grid: int = 40_001, lo: float = -25.0, hi: float = 15.0) -> dict:
    y, s = _eight_schools_data()
    u = np.linspace(lo, hi, n_grid)
    tau = np.exp(u)[:, None]
    v = s**2 + tau**2
    # mu | tau, y is normal with precision P and mean m (conjugate update, prior mean 0).
    precision = EIGHT_SCHOOLS_MU_SD**-2 + (1.0 / v).sum(axis=1, keepdims=True)
    m = (y / v).sum(axis=1, keepdims=True) / precision
    # theta_j | mu, tau, y ~ N((1 - B_j) y_j + B_j mu, B_j tau^2), B_j = s_j^2 / V_j
    # (BDA3, sec. 5.4); averaging over mu | tau gives the moments given tau alone.
    shrink = s**2 / v
    theta_mean = (1.0 - shrink) * y + shrink * m
    theta_var = shrink * tau**2 + shrink**2 / precision
    # theta_tilde_j = (theta_j - mu) / tau has mean (1 - B_j)(y_j - mu) / tau and variance
    # B_j given mu, tau; (1 - B_j) / tau = tau / V_j keeps small tau stable.
    slope = tau / v
    tilde_mean = slope * (y - m)
    tilde_var = shrink + slope**2 / precision
    moments = _trapezoid_moments(
        u,
        eight_schools_log_tau_density(u),
        {
            "mu": (m[:, 0], 1.0 / precision[:, 0]),
            "tau": (tau[:, 0], np.zeros(n_grid)),
            "theta_tilde": (tilde_mean, tilde_var),
            "theta": (theta_mean, theta_var),
        },
    )
    return {name: _entry(mean, sd) for name, (mean, sd) in moments.items()}


def eight_schools_reference() -> dict:
    r"""Return the posterior means and sds of the non-centred eight-schools model.

    Computed by 1-D quadrature: :math:`\mu` and the school effects are integrated out in
    closed form (all conditionals are normal), leaving the density of :math:`\log\tau`
    (:func:`eight_schools_log_tau_density`), which is integrated with the trapezoidal
    rule on 40 001 points over :math:`\log\tau \in [-25, 15]` (the density there is below
    :math:`10^{-11}` of its maximum at both ends). Means and variances of every variable
    follow by the laws of total expectation and variance, from

    - :math:`\mu \mid \tau, y \sim \mathcal N(m, P^{-1})`,
    - :math:`\theta_j \mid \tau, y \sim \mathcal N((1-B_j) y_j + B_j m,\;
      B_j\tau^2 + B_j^2 P^{-1})`, with :math:`B_j = \sigma_j^2 / (\sigma_j^2 + \tau^2)`,
    - :math:`\tilde\theta_j = (\theta_j - \mu)/\tau \mid \tau, y \sim
      \mathcal N\bigl(\tau (y_j - m) / V_j,\; B_j + \tau^2 / (V_j^2 P)\bigr)`.

    Numerical error: a coarser, wider grid (10 001 points on :math:`[-30, 20]`) changes
    no value by more than :math:`10^{-11}` posterior sds; the tests reproduce every value
    to :math:`10^{-6}` by a second route (generic Gaussian conditioning of
    :math:`(\mu, \tilde\theta, \theta)` on :math:`y`, with the marginal likelihood from
    the 8 x 8 covariance) and :math:`\tau`'s moments by adaptive quadrature.

    Returns
    -------
    dict
        ``{"mu", "tau", "theta_tilde", "theta"}``, each ``{"mean", "sd"}``; the school
        entries are arrays of length 8.
    """
    return _eight_schools_reference()


# --------------------------------------------------------------------------------------
# Two-component Gaussian mixture with ordered means
# --------------------------------------------------------------------------------------

MIXTURE_N_OBS = 80
MIXTURE_TRUTH = {"mu": (-1.0, 2.0), "w": 0.35}
MIXTURE_MU_SD = 3.0
MIXTURE_W_PRIOR = (2.0, 2.0)


@functools.cache
def _mixture_data() -> np.ndarray:
    rng = np.random.default_rng(_MIXTURE_SEED)
    first = rng.random(MIXTURE_N_OBS) < MIXTURE_TRUTH["w"]
    mu = np.where(first, *MIXTURE_TRUTH["mu"])
    return _frozen(mu + rng.standard_normal(MIXTURE_N_OBS))


def gaussian_mixture():
    r"""Build a two-component normal mixture with ordered means and unit sds (3-d).

    .. math::

        \mu_1 < \mu_2, \quad \mu_k \sim \mathcal N(0, 3^2), \quad
        w \sim \mathrm{Beta}(2, 2), \quad
        y_i \sim w\,\mathcal N(\mu_1, 1) + (1 - w)\,\mathcal N(\mu_2, 1),

    on 80 points simulated (fixed seed) from :math:`\mu = (-1, 2)`, :math:`w = 0.35`.
    The ordering (PyMC's ``ordered`` transform) removes label switching, the standard
    fix (Jasra, Holmes & Stephens 2005, Statist. Sci. 20(1), sec. 4; Betancourt's
    "Identifying Bayesian mixture models" case study).

    Returns
    -------
    pymc.Model
        A new model with free variables ``mu`` (length 2, increasing) and ``w``.
    """
    import pymc as pm

    y = np.asarray(_mixture_data())
    with pm.Model() as model:
        mu = pm.Normal(
            "mu",
            mu=0.0,
            sigma=MIXTURE_MU_SD,
            shape=2,
            transform=pm.distributions.transforms.ordered,
            initval=np.array([-1.0, 1.0]),
        )
        w = pm.Beta("w", alpha=MIXTURE_W_PRIOR[0], beta=MIXTURE_W_PRIOR[1])
        pm.NormalMixture("y", w=pm.math.stack([w, 1.0 - w]), mu=mu, sigma=1.0, observed=y)
    return model


def mixture_log_density(unconstrained: np.ndarray) -> np.ndarray:
    r"""Return the log posterior density of :func:`gaussian_mixture` on PyMC's free space.

    Coordinates :math:`(\mu_1, \log(\mu_2 - \mu_1), \operatorname{logit} w)`, the
    ``ordered`` and log-odds transforms, with their log-Jacobians
    :math:`\log(\mu_2 - \mu_1) + \log w(1-w)`; up to a constant. Shape ``(..., 3)``.
    """
    x = np.asarray(unconstrained, dtype=float)
    mu1 = x[..., 0]
    gap_log = x[..., 1]
    mu2 = mu1 + np.exp(gap_log)
    w = scipy.special.expit(x[..., 2])
    y = np.asarray(_mixture_data())
    # log(w N(y; mu1, 1) + (1 - w) N(y; mu2, 1)), summed over the data.
    log_lik = np.logaddexp(
        np.log(w)[..., None] - 0.5 * (y - mu1[..., None]) ** 2,
        np.log1p(-w)[..., None] - 0.5 * (y - mu2[..., None]) ** 2,
    ).sum(axis=-1) - 0.5 * y.size * math.log(2.0 * math.pi)
    log_prior = (
        scipy.stats.norm.logpdf(mu1, 0.0, MIXTURE_MU_SD)
        + scipy.stats.norm.logpdf(mu2, 0.0, MIXTURE_MU_SD)
        + scipy.stats.beta.logpdf(w, *MIXTURE_W_PRIOR)
    )
    log_jacobian = gap_log + np.log(w) + np.log1p(-w)
    return log_lik + log_prior + log_jacobian


def _laplace(log_density: Callable, start: np.ndarray, h: float = 1e-4):
    """Return the mode and the inverse negative Hessian (central differences) there."""
    import scipy.optimize

    result = scipy.optimize.minimize(
        lambda x: -log_density(x),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000},
    )
    mode = result.x
    d = mode.size
    hess = np.empty((d, d))
    eye = np.eye(d) * h
    for i in range(d):
        for j in range(d):
            hess[i, j] = (
                log_density(mode + eye[i] + eye[j])
                - log_density(mode + eye[i] - eye[j])
                - log_density(mode - eye[i] + eye[j])
                + log_density(mode - eye[i] - eye[j])
            ) / (4 * h * h)
    return mode, np.linalg.inv(-hess)


@functools.cache
def _mixture_reference(n_nodes: int = 48, half_width: float = 10.0) -> dict:
    mode, cov = _laplace(mixture_log_density, np.array([-1.0, np.log(3.0), 0.0]))
    sd = np.sqrt(np.diag(cov))
    # Tensor-product Gauss-Legendre rule on the box mode +- half_width Laplace sds of
    # PyMC's unconstrained coordinates (where the density is smooth and near-Gaussian).
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    axes = [mode[k] + half_width * sd[k] * nodes for k in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    log_w = mixture_log_density(grid) + np.log(weights)[:, None, None]
    log_w = log_w + np.log(weights)[None, :, None] + np.log(weights)[None, None, :]
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    mu1 = grid[..., 0]
    mu2 = mu1 + np.exp(grid[..., 1])
    w = scipy.special.expit(grid[..., 2])
    out = {}
    for name, value in (("mu", np.stack([mu1, mu2], axis=-1)), ("w", w)):
        pw = p[..., None] if value.ndim == 4 else p
        axes_sum = (0, 1, 2)
        mean = (pw * value).sum(axis=axes_sum)
        sd_value = np.sqrt((pw * (value - mean) ** 2).sum(axis=axes_sum))
        out[name] = _entry(mean, sd_value)
    return out


def gaussian_mixture_reference() -> dict:
    r"""Return the posterior means and sds of :func:`gaussian_mixture`.

    Computed by 3-D quadrature: a tensor-product Gauss–Legendre rule with 48 nodes per
    axis on the box of :math:`\pm 10` Laplace standard deviations around the mode, in
    PyMC's unconstrained coordinates (:func:`mixture_log_density`). Numerical error: 64
    nodes on a :math:`\pm 13` box change no mean by more than :math:`10^{-8}` posterior
    sds and no sd by more than :math:`10^{-8}` relative (checked in the tests at
    :math:`10^{-6}`).

    Returns
    -------
    dict
        ``{"mu": {"mean", "sd"}, "w": {"mean", "sd"}}``; ``mu`` entries have length 2.
    """
    return _mixture_reference()


# --------------------------------------------------------------------------------------
# AR(3) with a conjugate normal-inverse-gamma prior
# --------------------------------------------------------------------------------------

AR_ORDER = 3
AR_N_OBS = 120
AR_TRUTH = {"intercept": 0.5, "phi": (0.55, -0.25, 0.2), "sigma": 1.0}
#: sigma2 ~ InvGamma(a0, b0); (intercept, phi) | sigma2 ~ N(0, sigma2 diag(V0)).
AR_PRIOR = {"a0": 3.0, "b0": 2.0, "v0": (2.0**2, 0.5**2, 0.5**2, 0.5**2)}


@functools.cache
def _ar_data():
    rng = np.random.default_rng(_AR_SEED)
    burn = 200
    phi = np.array(AR_TRUTH["phi"])
    y = np.zeros(burn + AR_N_OBS)
    for t in range(AR_ORDER, y.size):
        y[t] = AR_TRUTH["intercept"] + phi @ y[t - AR_ORDER : t][::-1]
        y[t] += AR_TRUTH["sigma"] * rng.standard_normal()
    y = y[burn:]
    # Regress y_t on (1, y_{t-1}, ..., y_{t-K}) for t = K+1..T (conditional likelihood).
    lags = np.column_stack([y[AR_ORDER - k : y.size - k] for k in range(1, AR_ORDER + 1)])
    design = np.column_stack([np.ones(y.size - AR_ORDER), lags])
    return _frozen(y), _frozen(design), _frozen(y[AR_ORDER:])


def ar3_conjugate():
    r"""Build an AR(3) model with intercept and a conjugate normal-inverse-gamma prior (5-d).

    .. math::

        \sigma^2 \sim \mathrm{InvGamma}(3, 2), \quad
        (c, \phi_1, \phi_2, \phi_3) \mid \sigma^2 \sim
        \mathcal N\bigl(0, \sigma^2 \operatorname{diag}(2^2, 0.5^2, 0.5^2, 0.5^2)\bigr), \\
        y_t \mid y_{t-1}, y_{t-2}, y_{t-3} \sim
        \mathcal N\Bigl(c + \textstyle\sum_{k=1}^3 \phi_k y_{t-k}, \sigma^2\Bigr),
        \quad t = 4, \dots, 120,

    conditioning on the first three of 120 points simulated from
    :math:`c = 0.5, \phi = (0.55, -0.25, 0.2), \sigma = 1` (fixed seed), with ``sigma``
    kept as a deterministic. This is a Bayesian linear regression on the lags, so the
    posterior is normal-inverse-gamma in closed form (:func:`ar3_conjugate_reference`).

    Returns
    -------
    pymc.Model
        A new model with free variables ``sigma2``, ``intercept``, ``phi`` (length 3);
        ``sigma`` is a deterministic.
    """
    import pymc as pm

    _, design, target = _ar_data()
    design, target = np.asarray(design), np.asarray(target)
    prior_sd = np.sqrt(np.array(AR_PRIOR["v0"]))
    with pm.Model() as model:
        sigma2 = pm.InverseGamma("sigma2", alpha=AR_PRIOR["a0"], beta=AR_PRIOR["b0"])
        sigma = pm.Deterministic("sigma", pm.math.sqrt(sigma2))
        intercept = pm.Normal("intercept", mu=0.0, sigma=sigma * prior_sd[0])
        phi = pm.Normal("phi", mu=0.0, sigma=sigma * prior_sd[1:], shape=AR_ORDER)
        mean = intercept + pm.math.dot(design[:, 1:], phi)
        pm.Normal("y", mu=mean, sigma=sigma, observed=target)
    return model


def _ar_posterior():
    """Return the normal-inverse-gamma posterior parameters (m_n, V_n, a_n, b_n)."""
    _, design, target = _ar_data()
    design, target = np.asarray(design), np.asarray(target)
    v0_inv = np.diag(1.0 / np.array(AR_PRIOR["v0"]))
    # Conjugate update (Bernardo & Smith 1994, sec. 5.2; O'Hagan & Forster 2004, 11.13),
    # prior mean 0: V_n = (V0^-1 + X'X)^-1, m_n = V_n X'y, a_n = a0 + n/2,
    # b_n = b0 + (y'y - m_n' V_n^-1 m_n) / 2.
    precision = v0_inv + design.T @ design
    vn = np.linalg.inv(precision)
    mn = vn @ design.T @ target
    an = AR_PRIOR["a0"] + target.size / 2.0
    bn = AR_PRIOR["b0"] + 0.5 * (target @ target - mn @ precision @ mn)
    return mn, vn, an, bn


@functools.cache
def _ar_reference() -> dict:
    mn, vn, an, bn = _ar_posterior()
    # Coefficients: multivariate t with 2 a_n degrees of freedom, location m_n and scale
    # (b_n / a_n) V_n, so Cov = b_n / (a_n - 1) V_n.
    coef_sd = np.sqrt(bn / (an - 1.0) * np.diag(vn))
    # sigma2 ~ InvGamma(a_n, b_n): mean b/(a-1), var b^2 / ((a-1)^2 (a-2)).
    sigma2_mean = bn / (an - 1.0)
    sigma2_sd = bn / ((an - 1.0) * math.sqrt(an - 2.0))
    # sigma = sqrt(sigma2): E sigma = sqrt(b) Gamma(a - 1/2) / Gamma(a), E sigma^2 = b/(a-1).
    sigma_mean = math.sqrt(bn) * math.exp(math.lgamma(an - 0.5) - math.lgamma(an))
    sigma_sd = math.sqrt(sigma2_mean - sigma_mean**2)
    return {
        "sigma2": _entry(sigma2_mean, sigma2_sd),
        "sigma": _entry(sigma_mean, sigma_sd),
        "intercept": _entry(mn[0], coef_sd[0]),
        "phi": _entry(mn[1:], coef_sd[1:]),
    }


def ar3_conjugate_reference() -> dict:
    r"""Return the exact posterior means and sds of :func:`ar3_conjugate`.

    Closed form: the posterior is :math:`\mathrm{NIG}(m_n, V_n, a_n, b_n)` with
    :math:`V_n = (V_0^{-1} + X^\top X)^{-1}`, :math:`m_n = V_n X^\top y`,
    :math:`a_n = a_0 + n/2`, :math:`b_n = b_0 + (y^\top y - m_n^\top V_n^{-1} m_n)/2`
    (O'Hagan & Forster, Kendall's Advanced Theory of Statistics 2B, 2004, sec. 11.13).
    The coefficients are multivariate :math:`t_{2a_n}` with covariance
    :math:`b_n V_n / (a_n - 1)`; :math:`\sigma^2 \sim \mathrm{InvGamma}(a_n, b_n)`;
    :math:`E\sigma = \sqrt{b_n}\,\Gamma(a_n - 1/2)/\Gamma(a_n)`. Exact up to rounding.

    Returns
    -------
    dict
        ``{"sigma2", "sigma", "intercept", "phi"}``, each ``{"mean", "sd"}``.
    """
    return _ar_reference()


# --------------------------------------------------------------------------------------
# Two-parameter logistic item-response model (Birnbaum 1968)
# --------------------------------------------------------------------------------------

#: Responses of 20 persons (rows) to 5 items (columns), simulated once (seed 20240701)
#: from a = (0.7, 1.0, 1.3, 1.6, 2.0), b = (-1, -0.5, 0, 0.5, 1), theta ~ N(0, 1), and
#: shipped as constants because the reference below was computed from them.
IRT_RESPONSES = (
    "10010", "11100", "10000", "10100", "11100", "11010", "01000", "00100", "11110", "10101",
    "01100", "01000", "10010", "00100", "11110", "01000", "11110", "11110", "10000", "11001",
)  # fmt: skip
IRT_PRIOR = {"log_a_sd": 0.5, "b_sd": 2.0}


def _irt_data() -> np.ndarray:
    return np.array([[int(c) for c in row] for row in IRT_RESPONSES], dtype=np.int64)


def irt_2pl():
    r"""Build a two-parameter logistic (2PL) item-response model (30-d).

    .. math::

        \theta_p \sim \mathcal N(0, 1), \quad a_i \sim \mathrm{LogNormal}(0, 0.5^2), \quad
        b_i \sim \mathcal N(0, 2^2), \quad
        y_{pi} \sim \mathrm{Bernoulli}\bigl(\operatorname{logit}^{-1}(a_i (\theta_p - b_i))
        \bigr),

    for 20 persons and 5 items (responses :data:`IRT_RESPONSES`). The standard normal
    ability prior fixes location and scale; :math:`a_i > 0` fixes the sign (Birnbaum
    1968; the Stan case study "Two-parameter logistic item response model", Furr 2016).

    Returns
    -------
    pymc.Model
        A new model with free variables ``theta`` (length 20), ``a`` and ``b`` (length 5).
    """
    import pymc as pm

    y = _irt_data()
    n_persons, n_items = y.shape
    with pm.Model() as model:
        theta = pm.Normal("theta", mu=0.0, sigma=1.0, shape=n_persons)
        a = pm.LogNormal("a", mu=0.0, sigma=IRT_PRIOR["log_a_sd"], shape=n_items)
        b = pm.Normal("b", mu=0.0, sigma=IRT_PRIOR["b_sd"], shape=n_items)
        pm.Bernoulli("y", logit_p=a[None, :] * (theta[:, None] - b[None, :]), observed=y)
    return model


#: Reference of :func:`irt_2pl`, printed by ``benchmarks/reference_posteriors.py
#: --irt-reference`` (PyMC's NUTS, 16 chains x 5000 draws after 2000 tuning draws,
#: target_accept 0.95, seed 2024: no divergences, max R-hat 1.0003, min bulk ESS 56 127;
#: 1 min 42 s on a shared 2-core machine).
# fmt: off
_IRT_REFERENCE: dict[str, dict[str, tuple[float, ...]]] = {
    "theta": {
        "mean": (
            -0.055618, 0.28606, -0.58476, -0.14836, 0.28487, 0.37908, -0.72964, -0.73061, 0.81632,
            0.41227, -0.29271, -0.73416, -0.053787, -0.7296, 0.82166, -0.73607, 0.82092, 0.81927,
            -0.58288, 0.41355,
        ),
        "sd": (
            0.79539, 0.7691, 0.78581, 0.78242, 0.76635, 0.78307, 0.78904, 0.79478, 0.77336, 0.80988,
            0.79245, 0.79607, 0.79708, 0.78968, 0.7728, 0.79325, 0.77803, 0.77149, 0.77992, 0.80288,
        ),
        "mcse_mean": (
            0.0024, 0.0022, 0.0023, 0.0023, 0.0022, 0.0023, 0.0024, 0.0022, 0.0021, 0.0025, 0.0024,
            0.0024, 0.0024, 0.0024, 0.0022, 0.0023, 0.0022, 0.0021, 0.0022, 0.0025,
        ),
        "mcse_sd": (
            0.003, 0.0031, 0.0031, 0.0031, 0.0029, 0.003, 0.0029, 0.0032, 0.0031, 0.0029, 0.003,
            0.0031, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003, 0.0029,
        ),
    },
    "a": {
        "mean": (
            1.1151, 0.81138, 0.81458, 1.0148, 1.0455,
        ),
        "sd": (
            0.5861, 0.39339, 0.39833, 0.52013, 0.45974,
        ),
        "mcse_mean": (
            0.0024, 0.0015, 0.0016, 0.0021, 0.0017,
        ),
        "mcse_sd": (
            0.0035, 0.0023, 0.0025, 0.0028, 0.0028,
        ),
    },
    "b": {
        "mean": (
            -1.0484, -0.60518, -0.31197, 0.78348, 2.4345,
        ),
        "sd": (
            0.69202, 0.74579, 0.73912, 0.69074, 0.91516,
        ),
        "mcse_mean": (
            0.0029, 0.0028, 0.0029, 0.0029, 0.0036,
        ),
        "mcse_sd": (
            0.0035, 0.0036, 0.0039, 0.0037, 0.0038,
        ),
    },
}
# fmt: on


def irt_2pl_reference() -> dict:
    r"""Return posterior means and sds of :func:`irt_2pl` from a long run of PyMC's NUTS.

    No closed form or low-dimensional quadrature exists (30 coupled parameters), so the
    reference comes from PyMC's own NUTS (``nuts_sampler="pymc"``, independent of the
    step methods under test), run once offline by
    ``benchmarks/reference_posteriors.py --irt-reference``: 16 chains of 5000 draws
    after 2000 tuning draws, ``target_accept=0.95``: no divergences, R-hat at most
    1.0003, bulk ESS at least 56 000. Each entry carries its Monte Carlo standard errors
    ``mcse_mean`` and ``mcse_sd`` (ArviZ), at most 0.6% of the posterior sd, which the
    check adds to the sampler's own error.

    Returns
    -------
    dict
        ``{"theta", "a", "b"}``, each ``{"mean", "sd", "mcse_mean", "mcse_sd"}``.
    """
    return {
        name: _entry(v["mean"], v["sd"], v["mcse_mean"], v["mcse_sd"])
        for name, v in _IRT_REFERENCE.items()
    }


# --------------------------------------------------------------------------------------
# Gaussian-process regression, fixed kernel, unknown noise
# --------------------------------------------------------------------------------------

GP_N_OBS = 12
GP_KERNEL = {"eta": 1.0, "ls": 2.0}
GP_NOISE_PRIOR_SD = 1.0
GP_TRUE_NOISE = 0.3
#: PyMC's default jitter in ``pm.gp.Latent.prior``: f = chol(K + jitter I) @ f_rotated_.
GP_JITTER = 1e-6


@functools.cache
def _gp_data():
    rng = np.random.default_rng(_GP_SEED)
    x = np.sort(rng.uniform(0.0, 10.0, GP_N_OBS))
    y = np.sin(x) + 0.3 * x - 1.5 + GP_TRUE_NOISE * rng.standard_normal(GP_N_OBS)
    return _frozen(x), _frozen(y)


def _gp_kernel(x: np.ndarray) -> np.ndarray:
    """Return eta^2 exp(-(x - x')^2 / (2 ls^2)) + jitter I (PyMC's ExpQuad, stabilised)."""
    sq = (x[:, None] - x[None, :]) ** 2
    k = GP_KERNEL["eta"] ** 2 * np.exp(-0.5 * sq / GP_KERNEL["ls"] ** 2)
    return k + GP_JITTER * np.eye(x.size)


def gp_regression():
    r"""Build a latent Gaussian-process regression with a fixed kernel and unknown noise.

    .. math::

        f \sim \mathcal{GP}\bigl(0, \eta^2 \exp(-(x - x')^2 / (2\ell^2))\bigr), \quad
        \sigma \sim \mathrm{HalfNormal}(1), \quad y_i \sim \mathcal N(f(x_i), \sigma^2),

    with :math:`\eta = 1`, :math:`\ell = 2` fixed and 12 points simulated (fixed seed)
    on :math:`[0, 10]` with noise sd 0.3. Written with PyMC's ``pm.gp.Latent`` (the
    non-centred :math:`f = L z`, :math:`z \sim \mathcal N(0, I)`,
    :math:`L L^\top = K + 10^{-6} I`; Rasmussen & Williams 2006, sec. 2.2), so the free
    variables are ``f_rotated_`` (the :math:`z`) and ``sigma`` (13-d).

    Returns
    -------
    pymc.Model
        A new model with free variables ``f_rotated_`` (length 12) and ``sigma``; ``f``
        is a deterministic.
    """
    import pymc as pm

    x, y = (np.asarray(a) for a in _gp_data())
    with pm.Model() as model:
        cov = GP_KERNEL["eta"] ** 2 * pm.gp.cov.ExpQuad(1, ls=GP_KERNEL["ls"])
        gp = pm.gp.Latent(cov_func=cov)
        f = gp.prior("f", X=x[:, None], jitter=GP_JITTER)
        sigma = pm.HalfNormal("sigma", sigma=GP_NOISE_PRIOR_SD)
        pm.Normal("y", mu=f, sigma=sigma, observed=y)
    return model


def _gp_conditionals(sigma: np.ndarray):
    r"""Return the log marginal likelihood and the moments of z and f given each sigma.

    With :math:`L^\top L = W \operatorname{diag}(d) W^\top`, the posterior of
    :math:`z` given :math:`\sigma` has covariance
    :math:`C = W \operatorname{diag}(1 / (1 + d/\sigma^2)) W^\top` and mean
    :math:`C L^\top y / \sigma^2`; :math:`f = L z`. The marginal likelihood is
    :math:`\mathcal N(y; 0, K + \sigma^2 I)` (Rasmussen & Williams 2006, eq. 2.30).
    """
    x, y = (np.asarray(a) for a in _gp_data())
    k = _gp_kernel(x)
    chol = np.linalg.cholesky(k)
    d, w = np.linalg.eigh(chol.T @ chol)
    s2 = np.asarray(sigma, dtype=float)[:, None] ** 2
    shrink = 1.0 / (1.0 + d / s2)  # (grid, n) eigenvalues of C
    proj = w.T @ chol.T @ y  # W' L' y
    z_mean = (shrink * proj / s2) @ w.T
    z_var = (shrink[:, None, :] * w[None, :, :] ** 2).sum(axis=-1)
    lw = chol @ w  # f = L z = (L W) (W' z)
    f_mean = z_mean @ chol.T
    f_var = (shrink[:, None, :] * lw[None, :, :] ** 2).sum(axis=-1)
    # log N(y; 0, K + s2 I), from the eigenvalues lam of K: K = U diag(lam) U'.
    lam, u = np.linalg.eigh(k)
    uy = u.T @ y
    log_lik = -0.5 * (np.log(lam + s2) + uy**2 / (lam + s2)).sum(axis=1)
    return log_lik, z_mean, z_var, f_mean, f_var


@functools.cache
def _gp_reference(n_grid: int = 20_001, lo: float = -12.0, hi: float = 4.0) -> dict:
    u = np.linspace(lo, hi, n_grid)  # log sigma
    sigma = np.exp(u)
    log_lik, z_mean, z_var, f_mean, f_var = _gp_conditionals(sigma)
    log_density = log_lik + scipy.stats.halfnorm.logpdf(sigma, scale=GP_NOISE_PRIOR_SD) + u
    moments = _trapezoid_moments(
        u,
        log_density,
        {
            "f_rotated_": (z_mean, z_var),
            "f": (f_mean, f_var),
            "sigma": (sigma, np.zeros(n_grid)),
        },
    )
    return {name: _entry(mean, sd) for name, (mean, sd) in moments.items()}


def gp_regression_reference() -> dict:
    r"""Return the posterior means and sds of :func:`gp_regression`.

    Computed by 1-D quadrature over :math:`\log\sigma`: given :math:`\sigma` the latent
    :math:`z` (and :math:`f = L z`) is exactly normal, and
    :math:`p(\sigma \mid y) \propto p(\sigma)\,\mathcal N(y; 0, K + \sigma^2 I)`; the
    trapezoidal rule on 20 001 points over :math:`\log\sigma \in [-12, 4]` and the laws
    of total expectation and variance give the moments. Numerical error: a coarser, wider
    grid (5001 points on :math:`[-15, 6]`) agrees to :math:`10^{-12}`; the tests also check
    the conditional moments against direct Gaussian conditioning of :math:`f`
    (Rasmussen & Williams 2006, eqs. 2.23-2.24).

    Returns
    -------
    dict
        ``{"f_rotated_", "f", "sigma"}``, each ``{"mean", "sd"}``; the ``f`` entries
        have length 12.
    """
    return _gp_reference()


# --------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferencePosterior:
    """A benchmark posterior with reference means and sds computed without the samplers.

    Attributes
    ----------
    name
        Registry name, e.g. ``"eight_schools_noncentered"``.
    build
        Callable returning a new :class:`pymc.Model` on every call.
    compute_reference
        Callable returning the reference (cached after the first call; see
        :attr:`reference`).
    description
        The model, how its reference was computed and its numerical accuracy.
    method
        ``"closed form"``, ``"quadrature"`` or ``"long MCMC run"``.
    citation
        Where the model comes from.
    target_accept
        Target acceptance rate every step method uses on this model, or ``None`` for
        each step method's default; a property of the model's geometry, not of a sampler.
    """

    name: str
    build: Callable[[], Any]
    compute_reference: Callable[[], dict] = field(repr=False)
    description: str
    method: str
    citation: str
    target_accept: float | None = None

    @property
    def reference(self) -> dict[str, dict[str, Any]]:
        """``{variable: {"mean", "sd"[, "mcse_mean", "mcse_sd"]}}``, shaped like the variables.

        Entries without ``mcse_*`` are exact up to the stated quadrature error.
        """
        return self.compute_reference()

    @property
    def n_parameters(self) -> int:
        """Number of scalar quantities in :attr:`reference` (one mean and one sd each)."""
        return sum(int(np.size(entry["mean"])) for entry in self.reference.values())


def _registry() -> dict[str, ReferencePosterior]:
    from pymc_symplectic.examples.models import eight_schools_noncentered

    entries = (
        ReferencePosterior(
            name="eight_schools_noncentered",
            build=eight_schools_noncentered,
            compute_reference=eight_schools_reference,
            description=(
                "Eight schools, non-centred (pymc_symplectic.examples): mu ~ N(0, 5^2), "
                "tau ~ HalfCauchy(5), theta = mu + tau * theta_tilde. Reference by 1-D "
                "quadrature over log tau with mu and theta integrated out in closed form "
                "(laws of total expectation and variance); numerical error < 1e-10 sd. "
                "target_accept 0.9: the curvature grows as tau shrinks (as in PyMC's and "
                "Stan's case studies), where the default targets diverge."
            ),
            method="quadrature",
            citation="Rubin (1981), J. Educ. Stat. 6(4); Gelman et al., BDA3, sec. 5.5",
            target_accept=0.9,
        ),
        ReferencePosterior(
            name="gaussian_mixture",
            build=gaussian_mixture,
            compute_reference=gaussian_mixture_reference,
            description=(
                "Two-component normal mixture, ordered means, unit sds, Beta(2, 2) weight, "
                "80 simulated points. Reference by 3-D tensor Gauss-Legendre quadrature "
                "(48^3 nodes) in PyMC's unconstrained coordinates; error < 1e-8 sd."
            ),
            method="quadrature",
            citation="Jasra, Holmes & Stephens (2005), Statist. Sci. 20(1), sec. 4",
        ),
        ReferencePosterior(
            name="ar3_conjugate",
            build=ar3_conjugate,
            compute_reference=ar3_conjugate_reference,
            description=(
                "AR(3) with intercept, conjugate normal-inverse-gamma prior, 120 simulated "
                "points. Reference in closed form (normal-inverse-gamma posterior: "
                "multivariate t coefficients, inverse-gamma sigma2); exact."
            ),
            method="closed form",
            citation="O'Hagan & Forster (2004), Kendall's Advanced Theory of Statistics 2B, "
            "sec. 11.13",
        ),
        ReferencePosterior(
            name="irt_2pl",
            build=irt_2pl,
            compute_reference=irt_2pl_reference,
            description=(
                "Two-parameter logistic item response, 20 persons x 5 items (shipped "
                "responses), theta ~ N(0, 1), a ~ LogNormal(0, 0.5), b ~ N(0, 2). Reference "
                "from a long run of PyMC's own NUTS (16 x 5000 draws), stored with its "
                "Monte Carlo standard errors (<= 0.6% of a posterior sd)."
            ),
            method="long MCMC run",
            citation="Birnbaum (1968), in Lord & Novick, Statistical Theories of Mental Test "
            "Scores, ch. 17",
        ),
        ReferencePosterior(
            name="gp_regression",
            build=gp_regression,
            compute_reference=gp_regression_reference,
            description=(
                "Latent GP regression (pm.gp.Latent, non-centred), ExpQuad kernel with "
                "eta = 1, ls = 2 fixed, HalfNormal(1) noise sd, 12 simulated points. "
                "Reference by 1-D quadrature over log sigma of the exact Gaussian "
                "conditionals of the latent function; numerical error < 1e-10 sd. "
                "target_accept 0.9: small sigma squeezes the data-dominated directions of "
                "f_rotated_ (a funnel), where the default targets diverge."
            ),
            method="quadrature",
            citation="Rasmussen & Williams (2006), Gaussian Processes for Machine Learning, "
            "sec. 2.2",
            target_accept=0.9,
        ),
    )
    return {entry.name: entry for entry in entries}


#: The registered reference posteriors, by name.
REFERENCE_POSTERIORS: Mapping[str, ReferencePosterior] = _registry()


def reference_posterior(name: str) -> ReferencePosterior:
    """Return the registered reference posterior called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the registered names.
    """
    try:
        return REFERENCE_POSTERIORS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown reference posterior {name!r}; available: {', '.join(REFERENCE_POSTERIORS)}."
        ) from None


# --------------------------------------------------------------------------------------
# Checking a posterior against a reference
# --------------------------------------------------------------------------------------


def false_alarm_rate(
    ess: float, max_standardized_error: float = 0.25, reference_rel_mcse: float = 0.0
) -> float:
    r"""Return the chance that a correct sampler fails the standardised-error criterion.

    A correct sampler's mean estimate has error :math:`\approx \mathcal N(0, s^2/\mathrm{ESS})`
    (Markov-chain central limit theorem); with a reference that has its own Monte Carlo
    error :math:`r s`, the standardised error :math:`(\hat\mu - \mu_{\text{ref}})/s` has sd
    :math:`\sqrt{1/\mathrm{ESS} + r^2}`, so

    .. math::

        P\bigl(|\hat\mu - \mu_{\text{ref}}| / s > \epsilon\bigr)
        = 2\,\Phi\bigl(-\epsilon / \sqrt{1/\mathrm{ESS} + r^2}\bigr).

    E.g. :math:`\epsilon = 0.25`: 1.2% at ESS 100, :math:`4 \times 10^{-4}` at 200,
    :math:`6 \times 10^{-7}` at 400.
    """
    noise = math.sqrt(1.0 / ess + reference_rel_mcse**2)
    return float(2.0 * scipy.stats.norm.sf(max_standardized_error / noise))


def required_ess(
    false_alarm: float, max_standardized_error: float = 0.25, reference_rel_mcse: float = 0.0
) -> float:
    r"""Return the ESS at which :func:`false_alarm_rate` equals ``false_alarm``.

    :math:`\mathrm{ESS} = 1 / ((\epsilon / z)^2 - r^2)` with
    :math:`z = \Phi^{-1}(1 - \alpha/2)`; infinite when the reference's own error
    :math:`r` alone exceeds :math:`\epsilon / z`.
    """
    if not 0 < false_alarm < 1:
        raise ValueError(f"false_alarm must lie in (0, 1), got {false_alarm!r}.")
    z = scipy.stats.norm.isf(false_alarm / 2.0)
    room = (max_standardized_error / z) ** 2 - reference_rel_mcse**2
    return math.inf if room <= 0 else float(1.0 / room)


@dataclass(frozen=True)
class ParameterResult:
    """The comparison of one scalar posterior quantity with its reference.

    Attributes
    ----------
    name
        E.g. ``"theta[3]"``.
    mean, sd
        Posterior mean and sd estimated from all chains and draws.
    reference_mean, reference_sd
        The reference values.
    reference_mcse_mean, reference_mcse_sd
        Monte Carlo standard errors of the reference (0 for exact references).
    ess_bulk, ess_mean
        ArviZ's bulk ESS and ESS of the mean.
    mcse_mean, mcse_sd
        ArviZ's Monte Carlo standard errors of the estimated mean and sd.
    """

    name: str
    mean: float
    sd: float
    reference_mean: float
    reference_sd: float
    reference_mcse_mean: float
    reference_mcse_sd: float
    ess_bulk: float
    ess_mean: float
    mcse_mean: float
    mcse_sd: float

    @property
    def standardized_error(self) -> float:
        """``(mean - reference_mean) / reference_sd``."""
        return (self.mean - self.reference_mean) / self.reference_sd

    @property
    def sd_ratio(self) -> float:
        """``sd / reference_sd``."""
        return self.sd / self.reference_sd

    @property
    def ess(self) -> float:
        """The smaller of the bulk ESS and the ESS of the mean."""
        return min(self.ess_bulk, self.ess_mean)

    def false_alarm(self, max_standardized_error: float) -> float:
        """Chance that a correct sampler with this ESS fails the mean criterion."""
        r = self.reference_mcse_mean / self.reference_sd
        return false_alarm_rate(self.ess, max_standardized_error, r)

    def sd_noise(self) -> float:
        """Return the standard error of ``sd_ratio`` (estimate and reference together)."""
        return math.hypot(self.mcse_sd, self.reference_mcse_sd) / self.reference_sd


@dataclass(frozen=True)
class ReferenceCheck:
    r"""Per-parameter comparison of a posterior with a reference, and its verdict.

    Attributes
    ----------
    parameters
        One :class:`ParameterResult` per scalar quantity.
    max_standardized_error
        The mean criterion :math:`\epsilon`: ``|standardized_error| < epsilon``.
    sd_rtol
        The sd criterion ``|sd_ratio - 1| < sd_rtol``, or ``None`` (sds not checked).
    false_alarm
        Largest accepted chance, per parameter and criterion, that a correct sampler
        fails. A mean whose ESS cannot guarantee it fails as "ESS too low"; an sd whose
        Monte Carlo error cannot guarantee it is not checked (:meth:`sd_unchecked`).
    divergences
        Number of divergent post-tuning draws (``sample_stats.diverging``), or ``None``
        when the sampler does not report them.
    n_draws
        Chains times draws.
    """

    parameters: tuple[ParameterResult, ...]
    max_standardized_error: float
    sd_rtol: float | None
    false_alarm: float
    divergences: int | None
    n_draws: int

    @property
    def z(self) -> float:
        """The two-sided normal quantile of :attr:`false_alarm`."""
        return float(scipy.stats.norm.isf(self.false_alarm / 2.0))

    def mean_failures(self) -> list[ParameterResult]:
        """Parameters with ``|standardized_error| >= max_standardized_error`` (or NaN)."""
        eps = self.max_standardized_error
        return [p for p in self.parameters if not abs(p.standardized_error) < eps]

    def sd_checked(self) -> list[ParameterResult]:
        r"""Return the parameters whose sd estimate is precise enough to be checked.

        That is :math:`z\,\mathrm{MCSE}(\hat s) / s_{\text{ref}} \le` ``sd_rtol`` (none
        when ``sd_rtol`` is None), so that a correct sampler fails with probability at
        most :attr:`false_alarm`.
        """
        if self.sd_rtol is None:
            return []
        return [p for p in self.parameters if self.z * p.sd_noise() <= self.sd_rtol]

    def sd_unchecked(self) -> list[ParameterResult]:
        """Parameters whose sd estimate is too noisy for ``sd_rtol`` at :attr:`false_alarm`.

        Heavy-tailed or skewed margins need several times the ESS of a Gaussian one
        for the same precision of the sd (its variance grows with the kurtosis).
        """
        if self.sd_rtol is None:
            return list(self.parameters)
        checked = {p.name for p in self.sd_checked()}
        return [p for p in self.parameters if p.name not in checked]

    def sd_failures(self) -> list[ParameterResult]:
        """Return the checked parameters with ``|sd_ratio - 1| >= sd_rtol``."""
        return [p for p in self.sd_checked() if not abs(p.sd_ratio - 1.0) < self.sd_rtol]

    def ess_failures(self) -> list[ParameterResult]:
        """Parameters whose ESS is too low for :attr:`false_alarm` on the mean criterion."""
        eps = self.max_standardized_error
        return [p for p in self.parameters if not p.false_alarm(eps) <= self.false_alarm]

    @property
    def passed(self) -> bool:
        """Whether every mean (and every checked sd) meets its criterion with enough ESS."""
        return not (self.mean_failures() or self.sd_failures() or self.ess_failures())

    @property
    def max_abs_standardized_error(self) -> float:
        """The largest ``|standardized_error|`` over parameters."""
        return max(abs(p.standardized_error) for p in self.parameters)

    @property
    def max_abs_sd_error(self) -> float:
        """The largest ``|sd_ratio - 1|`` over parameters (checked or not)."""
        return max(abs(p.sd_ratio - 1.0) for p in self.parameters)

    @property
    def min_ess(self) -> float:
        """The smallest ESS (bulk or mean) over parameters."""
        return min(p.ess for p in self.parameters)

    def table(self) -> str:
        """Return a plain-text table of every parameter (``*``: sd not checked)."""
        head = (
            f"{'parameter':<16}{'mean':>10}{'ref mean':>10}{'ref sd':>9}{'std err':>9}"
            f"{'sd ratio':>10}{'ESS':>8}"
        )
        unchecked = {p.name for p in self.sd_unchecked()}
        rows = [head]
        for p in self.parameters:
            mark = "*" if p.name in unchecked else " "
            rows.append(
                f"{p.name:<16}{p.mean:>10.4g}{p.reference_mean:>10.4g}{p.reference_sd:>9.3g}"
                f"{p.standardized_error:>+9.3f}{p.sd_ratio:>9.3f}{mark}{p.ess:>8.0f}"
            )
        return "\n".join(rows)

    def message(self) -> str:
        """Return a readable account of every failure (empty when :attr:`passed`)."""
        if self.passed:
            return ""
        eps = self.max_standardized_error
        lines = [
            f"Posterior differs from the reference ({self.n_draws} draws, divergences: "
            f"{self.divergences}):"
        ]
        for p in self.mean_failures():
            lines.append(
                f"  mean of {p.name}: {p.mean:.5g} vs reference {p.reference_mean:.5g} "
                f"(sd {p.reference_sd:.4g}): |standardized error| "
                f"{abs(p.standardized_error):.3f} >= {eps} (ESS {p.ess:.0f})"
            )
        for p in self.sd_failures():
            lines.append(
                f"  sd of {p.name}: {p.sd:.5g} vs reference {p.reference_sd:.5g}: ratio "
                f"{p.sd_ratio:.3f} outside 1 +- {self.sd_rtol} (ESS {p.ess:.0f})"
            )
        for p in self.ess_failures():
            need = required_ess(self.false_alarm, eps, p.reference_mcse_mean / p.reference_sd)
            lines.append(
                f"  ESS too low for {p.name}: {p.ess:.0f} (bulk {p.ess_bulk:.0f}, mean "
                f"{p.ess_mean:.0f}); the mean criterion needs >= {need:.0f} for a "
                f"false-alarm rate of {self.false_alarm:.2g}. Draw more, do not loosen it."
            )
        return "\n".join(lines)


def _posterior_group(idata):
    """Return the posterior group of an InferenceData/DataTree, or ``idata`` itself."""
    try:
        return idata["posterior"]
    except (KeyError, TypeError):
        return idata


def _divergences(idata) -> int | None:
    try:
        diverging = idata["sample_stats"]["diverging"]
    except (KeyError, TypeError):
        return None
    return int(np.asarray(diverging).sum())


def check_reference_posterior(
    idata,
    reference: ReferencePosterior | Mapping[str, Mapping[str, Any]],
    *,
    max_standardized_error: float = 0.25,
    sd_rtol: float | None = None,
    false_alarm: float = 1e-3,
) -> ReferenceCheck:
    r"""Compare posterior means (and sds) of ``idata`` with a reference, parameter by parameter.

    The criterion for every scalar parameter is
    :math:`|\hat\mu - \mu_{\text{ref}}| / s_{\text{ref}} < \epsilon`
    (``max_standardized_error``), and, when ``sd_rtol`` is given,
    :math:`|\hat s / s_{\text{ref}} - 1| <` ``sd_rtol``. Because the criterion is fixed in
    posterior sds, a run must also be long enough that a correct sampler passes it with
    probability at least ``1 - false_alarm``: a parameter whose ESS (the smaller of
    ArviZ's bulk and mean ESS) is below :func:`required_ess` fails too. The sd of a
    parameter is checked only where its estimate is precise enough,
    :math:`z \cdot \mathrm{MCSE}(\hat s)/s_{\text{ref}} \le` ``sd_rtol`` with
    :math:`z = \Phi^{-1}(1 - \alpha/2)`; the others are listed by
    :meth:`ReferenceCheck.sd_unchecked`.

    Parameters
    ----------
    idata
        Result of :func:`pymc.sample` (an ArviZ DataTree/InferenceData with a
        ``posterior`` group), or the posterior group itself.
    reference
        A :class:`ReferencePosterior` or its ``reference`` dict.
    max_standardized_error
        :math:`\epsilon`, in reference posterior sds.
    sd_rtol
        Relative tolerance on the posterior sd, or ``None`` to skip the sd check.
    false_alarm
        Accepted chance, per parameter and criterion, that a correct sampler fails.

    Returns
    -------
    ReferenceCheck
        Per-parameter results; ``.passed`` and ``.message()`` give the verdict.
    """
    import arviz as az  # imported here: importing the testing harness stays light

    if isinstance(reference, ReferencePosterior):
        reference = reference.reference
    if not 0 < false_alarm < 1:
        raise ValueError(f"false_alarm must lie in (0, 1), got {false_alarm!r}.")
    posterior = _posterior_group(idata)
    results = []
    n_draws = 0
    for var, entry in reference.items():
        try:
            values = np.asarray(posterior[var].values, dtype=float)
        except KeyError:
            raise ValueError(
                f"The posterior has no variable {var!r} of the reference; it has "
                f"{', '.join(map(str, posterior.data_vars))}."
            ) from None
        shape = values.shape[2:]
        if np.shape(entry["mean"]) != shape:
            raise ValueError(
                f"Reference of {var!r} has shape {np.shape(entry['mean'])}, the posterior "
                f"variable {shape}."
            )
        ref_mean = np.asarray(entry["mean"], dtype=float)
        n_draws = values.shape[0] * values.shape[1]
        flat = values.reshape(values.shape[:2] + (-1,))
        ref = {
            key: np.broadcast_to(np.asarray(entry.get(key, 0.0), dtype=float), shape).ravel()
            for key in ("sd", "mcse_mean", "mcse_sd")
        }
        ess_bulk = np.atleast_1d(np.asarray(az.ess(flat, method="bulk"), dtype=float))
        ess_mean = np.atleast_1d(np.asarray(az.ess(flat, method="mean"), dtype=float))
        mcse_mean = np.atleast_1d(np.asarray(az.mcse(flat, method="mean"), dtype=float))
        mcse_sd = np.atleast_1d(np.asarray(az.mcse(flat, method="sd"), dtype=float))
        for i, idx in enumerate(np.ndindex(shape)):
            label = var if not shape else f"{var}[{', '.join(map(str, idx))}]"
            draws = flat[:, :, i]
            results.append(
                ParameterResult(
                    name=label,
                    mean=float(draws.mean()),
                    sd=float(draws.std(ddof=1)),
                    reference_mean=float(ref_mean.ravel()[i]),
                    reference_sd=float(ref["sd"][i]),
                    reference_mcse_mean=float(ref["mcse_mean"][i]),
                    reference_mcse_sd=float(ref["mcse_sd"][i]),
                    ess_bulk=float(ess_bulk[i]),
                    ess_mean=float(ess_mean[i]),
                    mcse_mean=float(mcse_mean[i]),
                    mcse_sd=float(mcse_sd[i]),
                )
            )
    return ReferenceCheck(
        parameters=tuple(results),
        max_standardized_error=float(max_standardized_error),
        sd_rtol=None if sd_rtol is None else float(sd_rtol),
        false_alarm=float(false_alarm),
        divergences=_divergences(idata),
        n_draws=n_draws,
    )


def assert_reference_posterior(
    idata,
    reference: ReferencePosterior | Mapping[str, Mapping[str, Any]],
    *,
    max_standardized_error: float = 0.25,
    sd_rtol: float | None = None,
    false_alarm: float = 1e-3,
) -> ReferenceCheck:
    """Like :func:`check_reference_posterior`, but raise ``AssertionError`` on failure.

    The message lists every failing parameter (mean, sd, or ESS too low for the stated
    false-alarm rate) with its values, and the number of divergences.

    Returns
    -------
    ReferenceCheck
        The check, when it passes.
    """
    check = check_reference_posterior(
        idata,
        reference,
        max_standardized_error=max_standardized_error,
        sd_rtol=sd_rtol,
        false_alarm=false_alarm,
    )
    if not check.passed:
        raise AssertionError(check.message())
    return check
