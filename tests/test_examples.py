"""Tests of the example-model registry: builds, gradients, exact references, short NUTS runs."""

import arviz as az
import numpy as np
import pymc as pm
import pytest
import scipy.integrate
import scipy.special
import scipy.stats

from pymc_symplectic import examples

__all__: list[str] = []

NAMES = examples.available()

EXPECTED_NAMES = {
    "eight_schools_centered",
    "eight_schools_noncentered",
    "funnel",
    "logistic_regression",
    "ill_conditioned_gaussian",
    "radon_varying_intercepts",
    "student_t_regression",
    "stochastic_volatility",
    "normal_normal",
    "beta_binomial",
}


class Compiled:
    """A model with its logp and dlogp compiled once, on dict points of value variables."""

    def __init__(self, name: str):
        self.spec = examples.get(name)
        self.model = self.spec.build()
        self.logp = self.model.compile_logp()
        self.dlogp = self.model.compile_dlogp()
        self.names = [v.name for v in self.model.value_vars]
        self.point = self.model.initial_point()
        self.shapes = [np.shape(self.point[n]) for n in self.names]
        self.sizes = [int(np.prod(s)) for s in self.shapes]

    def ravel(self, point) -> np.ndarray:
        return np.concatenate([np.ravel(point[n]) for n in self.names])

    def unravel(self, flat) -> dict:
        out, start = {}, 0
        for name, shape, size in zip(self.names, self.shapes, self.sizes, strict=True):
            out[name] = np.reshape(flat[start : start + size], shape)
            start += size
        return out

    def logp_at(self, flat) -> float:
        return float(self.logp(self.unravel(flat)))

    def dlogp_at(self, flat) -> np.ndarray:
        return np.asarray(self.dlogp(self.unravel(flat)), dtype=float)


_CACHE: dict[str, Compiled] = {}


def compiled(name: str) -> Compiled:
    """Compile each model once per test session."""
    if name not in _CACHE:
        _CACHE[name] = Compiled(name)
    return _CACHE[name]


def observed(model: pm.Model, name: str) -> np.ndarray:
    return np.asarray(model.rvs_to_values[model[name]].data)


# ----------------------------------------------------------------------------- registry


def test_registry_lists_the_required_models():
    assert set(NAMES) == EXPECTED_NAMES
    assert len(NAMES) == len(set(NAMES))


def test_unknown_name_raises_value_error_listing_names():
    with pytest.raises(ValueError, match="no_such_model") as info:
        examples.get("no_such_model")
    for name in NAMES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="funnel"):
        examples.get(None)


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    spec = examples.get(name)
    assert isinstance(spec, examples.ExampleModel)
    assert spec.name == name
    assert len(spec.description) > 40
    doc = spec.build.__doc__ or ""
    assert ".. math::" in doc and "stresses" in doc
    with pytest.raises(AttributeError):
        spec.name = "other"  # frozen
    # References and truths describe parameters of the default build.
    for table in (spec.reference, spec.truth):
        if table is not None:
            assert set(table) <= set(spec.parameters)
    if spec.reference is not None:
        for stats in spec.reference.values():
            assert {"mean", "sd"} <= set(stats)
            assert np.all(np.asarray(stats["sd"]) > 0)


@pytest.mark.parametrize("name", NAMES)
def test_builds_fresh_deterministic_models(name):
    spec = examples.get(name)
    first, second = spec.build(), spec.build()
    assert isinstance(first, pm.Model) and first is not second
    assert [rv.name for rv in first.free_RVs] == list(spec.parameters)
    # Same data on every build.
    for rv in first.observed_RVs:
        np.testing.assert_array_equal(observed(first, rv.name), observed(second, rv.name))
    # Shapes of references and truths match the variables.
    for table in (spec.reference and {k: v["mean"] for k, v in spec.reference.items()}, spec.truth):
        for var, value in (table or {}).items():
            assert np.shape(value) == tuple(first[var].shape.eval()), var


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", NAMES)
def test_logp_and_gradient_finite_at_initial_point(name):
    c = compiled(name)
    q0 = c.ravel(c.point)
    assert q0.size == c.spec.dim
    assert np.isfinite(c.logp_at(q0))
    grad = c.dlogp_at(q0)
    assert grad.shape == q0.shape and np.all(np.isfinite(grad))


# Central differences with step h: error ~ h^2 |f'''| / 6 (truncation) + eps |f| / h
# (rounding). With h = 1e-5 and |f| <= 1e4 these are ~1e-10 |f'''| and ~2e-7, so
# 1e-5 (1 + |g|) leaves margin (measured: the worst model uses 1e-3 of it) yet catches
# any wrong or missing term, which is O(1) or O(|g|).
FD_STEP = 1e-5


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    c = compiled(name)
    rng = np.random.default_rng(12345)
    q = c.ravel(c.point) + 0.3 * rng.standard_normal(c.spec.dim)
    grad = c.dlogp_at(q)
    fd = np.empty_like(q)
    for i in range(q.size):
        e = np.zeros_like(q)
        e[i] = FD_STEP
        fd[i] = (c.logp_at(q + e) - c.logp_at(q - e)) / (2 * FD_STEP)
    assert abs(c.logp_at(q)) < 1e4
    np.testing.assert_array_less(np.abs(fd - grad), 1e-5 * (1.0 + np.abs(grad)))


# ----------------------------------------------------------------------------- exact references

# The priors the docstrings state, restated here so the check does not reuse the module.
NORMAL_MU0, NORMAL_TAU0, NORMAL_SIGMA = 1.0, 1.5, 2.0
BETA_A, BETA_B = 2.0, 2.0


def _quadrature_moments(log_density, lower, upper):
    """Mean and sd of exp(log_density) normalised on (lower, upper), by adaptive quadrature."""
    shift = log_density((lower + upper) / 2 if np.isfinite(lower + upper) else 0.0)

    def density(x):
        return np.exp(log_density(x) - shift)

    mass = scipy.integrate.quad(density, lower, upper, epsabs=0, epsrel=1e-12)[0]
    mean = scipy.integrate.quad(lambda x: x * density(x), lower, upper, epsabs=0)[0] / mass
    var = scipy.integrate.quad(lambda x: (x - mean) ** 2 * density(x), lower, upper, epsabs=0)
    return mean, np.sqrt(var[0] / mass)


def test_normal_normal_reference_is_exact():
    c = compiled("normal_normal")
    y = observed(c.model, "y")
    ref = c.spec.reference["mu"]

    def log_post(mu):
        return scipy.stats.norm.logpdf(mu, NORMAL_MU0, NORMAL_TAU0) + np.sum(
            scipy.stats.norm.logpdf(y, mu, NORMAL_SIGMA)
        )

    # The model encodes this posterior (up to its normalising constant)...
    grid = np.linspace(-1.0, 5.0, 7)
    model_lp = np.array([c.logp({"mu": m}) for m in grid])
    scipy_lp = np.array([log_post(m) for m in grid])
    np.testing.assert_allclose(model_lp - model_lp[0], scipy_lp - scipy_lp[0], atol=1e-10)
    # ... and the reference numbers are its mean and sd.
    mean, sd = _quadrature_moments(log_post, -np.inf, np.inf)
    np.testing.assert_allclose([ref["mean"], ref["sd"]], [mean, sd], rtol=1e-9)


def test_beta_binomial_reference_is_exact():
    c = compiled("beta_binomial")
    k = observed(c.model, "k")
    node = c.model["k"].owner
    n = np.asarray(node.op.dist_params(node)[0].eval())  # Binomial(n, p): trials
    ref = c.spec.reference["p"]

    def log_post(p):
        return scipy.stats.beta.logpdf(p, BETA_A, BETA_B) + np.sum(
            scipy.stats.binom.logpmf(k, n, p)
        )

    # The model, without the logit Jacobian, is this density in p up to a constant.
    nojac = c.model.compile_logp(jacobian=False)
    grid = np.array([0.05, 0.1, 0.2, 0.35, 0.6, 0.9])
    model_lp = np.array([nojac({"p_logodds__": scipy.special.logit(p)}) for p in grid])
    scipy_lp = np.array([log_post(p) for p in grid])
    np.testing.assert_allclose(model_lp - model_lp[0], scipy_lp - scipy_lp[0], atol=1e-10)
    # Closed form: Beta(a + sum k, b + sum (n - k)).
    posterior = scipy.stats.beta(BETA_A + k.sum(), BETA_B + (n - k).sum())
    np.testing.assert_allclose(ref["mean"], posterior.mean(), rtol=1e-12)
    np.testing.assert_allclose(ref["sd"], posterior.std(), rtol=1e-12)
    np.testing.assert_allclose([ref["alpha"], ref["beta"]], posterior.args, rtol=1e-12)
    mean, sd = _quadrature_moments(log_post, 0.0, 1.0)
    np.testing.assert_allclose([ref["mean"], ref["sd"]], [mean, sd], rtol=1e-8)


def test_ill_conditioned_gaussian_reference_is_exact():
    c = compiled("ill_conditioned_gaussian")
    ref = c.spec.reference["x"]
    mean, cov = np.asarray(ref["mean"]), np.asarray(ref["cov"])
    assert cov.shape == (100, 100)
    np.testing.assert_allclose(cov, cov.T, atol=0)
    eigenvalues = np.linalg.eigvalsh(cov)
    np.testing.assert_allclose(np.linalg.cond(cov), 1e4, rtol=1e-6)
    np.testing.assert_allclose(eigenvalues, np.geomspace(1e-4, 1.0, 100), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(ref["sd"], np.sqrt(np.diag(cov)), rtol=1e-12)
    # logp differences equal the Gaussian quadratic-form differences under the reference
    # covariance: the model encodes exactly N(mean, cov).
    rng = np.random.default_rng(7)
    a, b = (mean + 0.05 * rng.standard_normal(100) for _ in range(2))

    def quad(x):
        return (x - mean) @ np.linalg.solve(cov, x - mean)

    expected = -0.5 * (quad(a) - quad(b))
    observed_diff = c.logp({"x": a}) - c.logp({"x": b})
    np.testing.assert_allclose(observed_diff, expected, rtol=1e-8)
    # The mode is the mean.
    np.testing.assert_allclose(c.dlogp({"x": mean}), 0.0, atol=1e-6)


def test_ill_conditioned_gaussian_dimension_override():
    spec = examples.get("ill_conditioned_gaussian")
    model = spec.build(dim=7, condition_number=100.0)
    assert tuple(model["x"].shape.eval()) == (7,)
    ref = spec.reference_for(dim=7, condition_number=100.0)["x"]
    assert ref["cov"].shape == (7, 7)
    np.testing.assert_allclose(np.linalg.cond(ref["cov"]), 100.0, rtol=1e-8)


@pytest.mark.parametrize("dim", [0, -3, 1, 2.5, 10.0, "10", None, True])
def test_bad_dim_raises_value_error_naming_dim(dim):
    with pytest.raises(ValueError, match="dim"):
        examples.get("ill_conditioned_gaussian").build(dim=dim)
    with pytest.raises(ValueError, match="dim"):
        examples.get("ill_conditioned_gaussian").reference_for(dim=dim)


@pytest.mark.parametrize("condition_number", [0.5, 0.0, -1.0, np.inf, np.nan, "1e4"])
def test_bad_condition_number_raises(condition_number):
    with pytest.raises(ValueError, match="condition_number"):
        examples.ill_conditioned_gaussian(condition_number=condition_number)


def test_funnel_reference_is_exact():
    c = compiled("funnel")
    ref = c.spec.reference
    v_law = scipy.stats.norm(0.0, 3.0)
    # The model's prior on v is N(0, 3^2), which is the exact marginal of v. Exact up to
    # a constant: PyTensor stores the Python float 3.0 as float32, so the constant
    # log(sigma) is evaluated in single precision (an offset of ~2e-8).
    v_logp = c.model.compile_logp(vars=[c.model["v"]])
    grid = np.linspace(-8.0, 8.0, 9)
    model_lp = np.array([v_logp({"v": v, "x": np.zeros(9)}) for v in grid])
    np.testing.assert_allclose(model_lp - model_lp[4], v_law.logpdf(grid) - v_law.logpdf(0.0))
    np.testing.assert_allclose(model_lp, v_law.logpdf(grid), rtol=0, atol=1e-7)
    # ... and x_i | v ~ N(0, exp(v / 2)^2).
    x_logp = c.model.compile_logp(vars=[c.model["x"]])
    x = np.linspace(-2.0, 2.0, 9)
    for v in (-3.0, 0.5, 4.0):
        expected = scipy.stats.norm(0.0, np.exp(v / 2)).logpdf(x).sum()
        np.testing.assert_allclose(x_logp({"v": v, "x": x}), expected, rtol=1e-12, atol=1e-12)
    assert ref["v"]["mean"] == v_law.mean() and ref["v"]["sd"] == v_law.std()
    # Var x_i = E[exp(v)], by numerical integration against the v marginal.
    second_moment = scipy.integrate.quad(
        lambda v: np.exp(v + v_law.logpdf(v)), -np.inf, np.inf, epsabs=0, epsrel=1e-12
    )[0]
    np.testing.assert_allclose(ref["x"]["sd"], np.sqrt(second_moment), rtol=1e-9)
    np.testing.assert_array_equal(ref["x"]["mean"], np.zeros(9))
    with pytest.raises(ValueError, match="dim"):
        examples.funnel(dim=1)


@pytest.mark.parametrize("name", [n for n in NAMES if examples.get(n).reference_for])
def test_reference_for_defaults_to_reference(name):
    spec = examples.get(name)
    fresh = spec.reference_for()
    assert set(fresh) == set(spec.reference)
    for var, stats in spec.reference.items():
        assert set(fresh[var]) == set(stats)
        for key, value in stats.items():
            np.testing.assert_array_equal(fresh[var][key], value)


def test_references_are_read_only():
    ref = examples.get("ill_conditioned_gaussian").reference["x"]["cov"]
    with pytest.raises(ValueError):
        ref[0, 0] = 1.0


# ----------------------------------------------------------------------------- short NUTS runs

# One mean per model, 2 models: at |z| <= 5 the false-alarm rate is ~1e-6 per run.
Z_MAX = 5.0


@pytest.mark.parametrize(("name", "var"), [("normal_normal", "mu"), ("beta_binomial", "p")])
def test_pymc_nuts_recovers_exact_mean(name, var):
    spec = examples.get(name)
    idata = pm.sample(
        model=spec.build(),
        nuts_sampler="pymc",
        chains=2,
        cores=1,
        tune=300,
        draws=300,
        random_seed=20240611,
        progressbar=False,
        compute_convergence_checks=False,
    )
    draws = idata.posterior[var]
    mcse = float(az.mcse(idata, method="mean", var_names=[var])[var])
    estimate = float(draws.mean())
    truth = spec.reference[var]["mean"]
    assert 0 < mcse < spec.reference[var]["sd"]
    assert abs(estimate - truth) <= Z_MAX * mcse, (estimate, truth, mcse)
