"""Diagnostics on real PyMC models: energy-error order, symplecticity, ESS per gradient."""

import arviz as az
import numpy as np
import pymc as pm
import pytest

from pymc_symplectic import diagnostics, integrators
from pymc_symplectic.examples import get
from pymc_symplectic.kinetic import GaussianKinetic
from pymc_symplectic.step_methods import SymplecticHMC

STEP_SIZES = (0.2, 0.1, 0.05, 0.025)


@pytest.fixture(scope="module")
def eight_schools():
    """10-d, non-Gaussian (a log-transformed scale multiplies the offsets)."""
    return get("eight_schools_noncentered").build()


@pytest.fixture(scope="module")
def beta_binomial_run():
    model = get("beta_binomial").build()
    with model:
        idata = pm.sample(
            draws=50,
            tune=50,
            chains=2,
            cores=1,
            random_seed=4,
            progressbar=False,
            compute_convergence_checks=False,
            nuts_sampler="pymc",
            idata_kwargs={"include_transformed": True},
        )
    return model, idata


@pytest.mark.parametrize(
    ("name", "step_sizes"),
    [
        ("leapfrog", STEP_SIZES),
        ("bcss2", STEP_SIZES),
        ("forest_ruth", STEP_SIZES),
        ("euler", tuple(h / 4 for h in STEP_SIZES)),
    ],
)
def test_energy_error_slope_is_the_order_on_a_model(eight_schools, name, step_sizes):
    curve = diagnostics.energy_error_curve(eight_schools, name, step_sizes, n_points=4)
    order = integrators.get(name).order
    assert curve.order == order
    assert curve.errors.shape == (4, len(step_sizes))
    assert np.all(np.isfinite(curve.errors))
    assert abs(curve.slope - order) < 0.3, (name, curve.slope, curve.mean_error)
    # Over a fixed time, halving h doubles the gradient evaluations.
    assert np.all(np.diff(curve.grad_evals) > 0)


def test_energy_error_curve_at_posterior_draws(beta_binomial_run):
    model, idata = beta_binomial_run
    points = diagnostics.unconstrained_points(model, idata, n_points=None)
    kinetic = GaussianKinetic(points.var(axis=0))
    curve = diagnostics.energy_error_curve(
        model, "leapfrog", (0.5, 0.25, 0.125, 0.0625), points=idata, n_points=5, kinetic=kinetic
    )
    assert curve.errors.shape == (5, 4)
    assert abs(curve.slope - 2) < 0.3


def test_step_sizes_are_rounded_to_divide_the_time(eight_schools):
    curve = diagnostics.energy_error_curve(
        eight_schools, "leapfrog", (0.3, 0.15), n_points=1, integration_time=1.0
    )
    np.testing.assert_allclose(curve.step_sizes, [1 / 3, 1 / 7])
    with pytest.raises(ValueError, match="at least two"):
        diagnostics.energy_error_curve(eight_schools, "leapfrog", (0.1,))
    with pytest.raises(ValueError, match="positive"):
        diagnostics.energy_error_curve(eight_schools, "leapfrog", (0.1, -0.1))


@pytest.mark.parametrize("name", ["leapfrog", "forest_ruth", "bcss3"])
def test_symplectic_maps_pass_the_jacobian_check(eight_schools, name):
    defect = diagnostics.symplecticity_check(eight_schools, name, step_size=0.1, n_steps=3)
    assert defect < 1e-9


@pytest.mark.parametrize(("name", "lower"), [("euler", 1e-2), ("rk4", 1e-8)])
def test_non_symplectic_maps_fail_the_jacobian_check(eight_schools, name, lower):
    defect = diagnostics.symplecticity_check(eight_schools, name, step_size=0.1, n_steps=3)
    assert defect > lower
    leapfrog = diagnostics.symplecticity_check(eight_schools, "leapfrog", step_size=0.1, n_steps=3)
    assert defect > 100 * leapfrog


def test_unconstrained_points_follow_pymc_ordering_and_transforms(beta_binomial_run):
    model, idata = beta_binomial_run
    assert diagnostics.value_var_names(model) == ["p_logodds__"]
    points = diagnostics.unconstrained_points(model, idata, n_points=None)
    assert points.shape == (100, 1)
    p = np.asarray(idata["posterior"]["p"]).ravel()
    np.testing.assert_allclose(points[:, 0], np.log(p / (1 - p)))
    log_density, dim = diagnostics.model_log_density(model)
    logp = model.compile_logp()
    assert dim == 1
    for q in points[:5]:
        np.testing.assert_allclose(log_density(q)[0], logp({"p_logodds__": q[0]}))


def test_raveled_order_matches_the_compiled_function(eight_schools):
    log_density, dim = diagnostics.model_log_density(eight_schools)
    logp = eight_schools.compile_logp()
    assert dim == 10
    rng = np.random.default_rng(0)
    q = rng.normal(size=dim)
    names = diagnostics.value_var_names(eight_schools)
    point, start = {}, 0
    for name in names:
        size = np.asarray(eight_schools.initial_point()[name]).size
        shape = np.shape(eight_schools.initial_point()[name])
        point[name] = q[start : start + size].reshape(shape)
        start += size
    np.testing.assert_allclose(log_density(q)[0], logp(point))


def test_draws_without_transformed_variables_are_refused(beta_binomial_run):
    model, idata = beta_binomial_run
    plain = idata.copy()
    plain["posterior"] = plain["posterior"].to_dataset().drop_vars("p_logodds__")
    with pytest.raises(ValueError, match="include_transformed"):
        diagnostics.unconstrained_points(model, plain)
    with pytest.raises(ValueError, match=r"\(n, 1\)"):
        diagnostics.unconstrained_points(model, np.zeros((3, 2)))


def test_ess_per_gradient_on_a_short_run():
    model = get("normal_normal").build()
    with model:
        idata = pm.sample(
            draws=100,
            tune=100,
            chains=2,
            cores=1,
            step=SymplecticHMC(integrator="bcss2"),
            random_seed=2,
            progressbar=False,
            compute_convergence_checks=False,
        )
    result = diagnostics.ess_per_gradient(idata)
    grads = float(np.asarray(idata["sample_stats"]["n_grad_evals"]).sum())
    assert result.grad_evals == grads
    for method, value in (("bulk", result.min_bulk), ("tail", result.min_tail)):
        ess = float(np.asarray(az.ess(idata, method=method)["mu"]))
        np.testing.assert_allclose(value, ess / grads)
        assert value > 0


@pytest.mark.parametrize("step_class", [pm.NUTS, pm.HamiltonianMC])
def test_pymc_gradient_count_matches_a_counting_wrapper(step_class):
    """PyMC's leapfrog samplers: one gradient per step plus one at each draw's start."""
    model = get("eight_schools_noncentered").build()
    with model:
        step = step_class()
        inner = step.integrator._logp_dlogp_func
        calls = []

        def counted(*args):
            calls.append(1)
            return inner(*args)

        step.integrator._logp_dlogp_func = counted
        idata = pm.sample(
            draws=30,
            tune=30,
            chains=2,
            cores=1,
            step=step,
            random_seed=1,
            progressbar=False,
            compute_convergence_checks=False,
            discard_tuned_samples=False,
        )
    counted_total = diagnostics.gradient_evaluations(idata) + diagnostics.gradient_evaluations(
        idata, "warmup_sample_stats"
    )
    assert counted_total == len(calls)
