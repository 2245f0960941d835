"""Functional tests of the SymplecticHMC step method inside PyMC."""

import importlib.util
import math
import shutil
import warnings

import cloudpickle
import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest

from pymc_symplectic import integrators
from pymc_symplectic._pymc_compat import (
    PotentialKinetic,
    PyMCIntegrationError,
    PyMCIntegratorAdapter,
)
from pymc_symplectic.errors import ConvergenceError, IntegrationError
from pymc_symplectic.integrators import Integrator, PhaseState
from pymc_symplectic.step_methods import SymplecticHMC
from pymc_symplectic.step_methods.hmc import default_target_accept, initial_step_ratio

HMC_VALID = [n for n in integrators.available() if integrators.get(n).hmc_valid]
NOT_HMC_VALID = [n for n in integrators.available() if not integrators.get(n).hmc_valid]

SAMPLE = dict(tune=50, draws=50, progressbar=False, compute_convergence_checks=False)


pytestmark = pytest.mark.usefixtures("quiet_pymc")


def normal_model(d=3):
    with pm.Model() as model:
        pm.Normal("x", mu=np.arange(d, dtype=float), sigma=1.0, shape=d)
    return model


def two_var_model():
    with pm.Model() as model:
        a = pm.Normal("a", 0.0, 1.0)
        pm.HalfNormal("b", 1.0)
        pm.Normal("y", a, 1.0, observed=[0.1, -0.3, 0.5])
    return model


def mixed_model():
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        pm.Poisson("n", 3.0)
        pm.Normal("y", mu, 1.0, observed=[0.2, 0.4])
    return model


def wall_model():
    """Standard normal cut by a wall: log density -inf for x > 1, with a finite gradient there."""
    with pm.Model() as model:
        x = pm.Normal("x", 0.0, 1.0)
        pm.Potential("wall", pt.switch(x > 1.0, -np.inf, 0.0))
    return model


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", NOT_HMC_VALID)
def test_rejects_integrators_without_detailed_balance(name):
    with normal_model():
        with pytest.raises(ValueError, match="symplectic") as info:
            SymplecticHMC(integrator=name)
    message = str(info.value)
    assert name in message and "detailed balance" in message
    for valid in HMC_VALID:
        assert valid in message


def test_unknown_integrator_lists_names():
    with normal_model():
        with pytest.raises(ValueError, match="Unknown integrator") as info:
            SymplecticHMC(integrator="leapfrogg")
    assert "leapfrog" in str(info.value) and "bcss2" in str(info.value)


def test_accepts_integrator_objects_and_aliases():
    with normal_model():
        assert SymplecticHMC(integrator=integrators.get("bcss2")).integrator_name == "bcss2"
        assert SymplecticHMC(integrator="velocity_verlet").integrator_name == "leapfrog"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target_accept": 0.0}, "target_accept"),
        ({"target_accept": 1.0}, "target_accept"),
        ({"target_accept": 1.5}, "target_accept"),
        ({"target_accept": float("nan")}, "target_accept"),
        ({"path_length": 0.0}, "path_length"),
        ({"path_length": -1.0}, "path_length"),
        ({"path_length": math.inf}, "path_length"),
        ({"step_scale": 0.0}, "step_scale"),
        ({"step_scale": float("nan")}, "step_scale"),
        ({"Emax": -1.0}, "Emax"),
        ({"Emax": math.inf}, "Emax"),
        ({"max_steps": 0}, "max_steps"),
        ({"max_steps": 2.5}, "max_steps"),
        ({"max_steps": True}, "max_steps"),
        ({"metric": "full"}, "metric='full'"),
        ({"kinetic": "relativistic"}, "kinetic='relativistic'"),
        ({"step_rand": 0.15}, "step_rand"),
        ({"integrator": 3}, "integrator"),
    ],
)
def test_validates_arguments(kwargs, match):
    with normal_model():
        with pytest.raises(ValueError, match=match) as info:
            SymplecticHMC(**kwargs)
    value = next(iter(kwargs.values()))
    if isinstance(value, str):
        assert value in str(info.value)


def test_scaling_with_potential_is_an_error():
    with normal_model():
        potential = pm.step_methods.hmc.quadpotential.QuadPotentialDiag(np.ones(3))
        with pytest.raises(ValueError, match="both potential and scaling"):
            SymplecticHMC(scaling=np.ones(3), potential=potential)


def test_all_discrete_model_names_the_variables():
    with pm.Model():
        pm.Poisson("k", 2.0)
        pm.Bernoulli("flag", 0.3)
        with pytest.raises(ValueError, match="discrete") as info:
            SymplecticHMC()
    assert "k" in str(info.value) and "flag" in str(info.value)


def test_discrete_var_in_vars_is_named():
    with mixed_model() as model:
        with pytest.raises(ValueError, match=r"discrete variables \['n'\]"):
            SymplecticHMC(vars=[model["n"]])


# --------------------------------------------------------------------------- defaults


def test_default_target_accept_by_order():
    # Beskos et al. (2013): 0.651 for second order; rises with the order.
    assert default_target_accept(2) == 0.65
    assert default_target_accept(4) == 0.80
    assert default_target_accept(6) == 0.86
    assert default_target_accept(8) == 0.89
    with normal_model():
        assert SymplecticHMC(integrator="leapfrog").target_accept == 0.65
        assert SymplecticHMC(integrator="forest_ruth").target_accept == 0.80
        assert SymplecticHMC(integrator="forest_ruth", target_accept=0.9).target_accept == 0.9


def test_initial_step_size_scales_with_stability_interval():
    assert initial_step_ratio(integrators.get("leapfrog")) == 1.0
    assert initial_step_ratio(integrators.get("bcss3")) == pytest.approx(4.662 / 2, abs=2e-3)
    assert initial_step_ratio(integrators.get("implicit_midpoint")) == 1.0
    d = 3
    with normal_model(d):
        base = 0.25 / d**0.25
        assert SymplecticHMC(integrator="leapfrog").step_size == pytest.approx(base)
        bcss3 = SymplecticHMC(integrator="bcss3")
        assert bcss3.step_size == pytest.approx(base * 4.662 / 2.0, rel=2e-3)
        midpoint = SymplecticHMC(integrator="implicit_midpoint")
        assert midpoint.step_size == pytest.approx(base)


def test_dense_metric_and_fixed_scaling():
    with normal_model():
        dense = SymplecticHMC(metric="dense")
        assert type(dense.potential).__name__ == "QuadPotentialFullAdapt"
        fixed = SymplecticHMC(scaling=np.full(3, 2.0), is_cov=True)
        assert type(fixed.potential).__name__ == "QuadPotentialDiag"
        assert isinstance(dense.integrator.kinetic, PotentialKinetic)
        given = pm.step_methods.hmc.quadpotential.QuadPotentialDiag(np.full(3, 0.5))
        with_potential = SymplecticHMC(potential=given)
        assert with_potential.potential is given
        assert with_potential.integrator.kinetic.potential is given
        np.testing.assert_allclose(with_potential.integrator.kinetic.velocity(np.ones(3)), 0.5)
        assert dense.integrator.kinetic.potential is dense.potential
        idata = pm.sample(step=dense, chains=1, random_seed=3, **SAMPLE)
    assert np.all(np.isfinite(idata.posterior["x"].values))


def test_kinetic_follows_the_adapting_potential():
    with normal_model():
        step = SymplecticHMC()
    kinetic = step.integrator.kinetic
    p = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(kinetic.velocity(p), p)
    # What QuadPotentialDiagAdapt._update_from_weightvar does during tuning.
    step.potential._var[:] = [1.0, 2.0, 4.0]
    step.potential._stds[:] = np.sqrt(step.potential._var)
    step.potential._inv_stds[:] = 1 / step.potential._stds
    np.testing.assert_allclose(kinetic.velocity(p), [1.0, 4.0, 12.0])
    energy, v = kinetic.energy_and_velocity(p)
    assert energy == pytest.approx(0.5 * (1 + 8 + 36))
    assert kinetic.energy(p) == pytest.approx(energy)
    draws = np.array([kinetic.sample(np.random.default_rng(i)) for i in range(4000)])
    np.testing.assert_allclose(draws.var(axis=0), [1.0, 0.5, 0.25], rtol=0.1)
    again = kinetic.sample(np.random.default_rng(0))
    np.testing.assert_array_equal(again, draws[0])


# --------------------------------------------------------------------------- sample stats


EXPECTED_STATS = {
    "diverging": np.bool_,
    "divergences": np.int64,
    "energy": np.float64,
    "energy_error": np.float64,
    "max_energy_error": np.float64,
    "acceptance_rate": np.float64,
    "accepted": np.float64,  # Metropolis declares it float64; compound steps need one dtype
    "step_size": np.float64,
    "step_size_bar": np.float64,
    "n_steps": np.int64,
    "n_grad_evals": np.int64,
    "int_time": np.float64,
    "lp": np.float64,
    "process_time_diff": np.float64,
    "perf_counter_diff": np.float64,
    "perf_counter_start": np.float64,
}


@pytest.fixture(scope="module")
def bcss2_idata():
    with normal_model():
        step = SymplecticHMC(integrator="bcss2", path_length=3.0)
        return pm.sample(step=step, chains=2, cores=1, random_seed=11, **SAMPLE)


def test_sample_stats_names_and_dtypes(bcss2_idata):
    stats = bcss2_idata.sample_stats
    for name, dtype in EXPECTED_STATS.items():
        assert name in stats, name
        assert stats[name].dtype == dtype, (name, stats[name].dtype)
        assert stats[name].shape == (2, 50), name
    for name in ("model_logp", "accept", "path_length", "mean_tree_accept"):
        assert name not in stats


def test_sample_stats_are_consistent(bcss2_idata):
    s = bcss2_idata.sample_stats
    np.testing.assert_allclose(s["int_time"], s["step_size"] * s["n_steps"])
    # bcss2: 2 evaluations per step, plus the start point's (PyMC's compute_state).
    np.testing.assert_array_equal(s["n_grad_evals"], 2 * s["n_steps"] + 1)
    assert np.all(s["acceptance_rate"] >= 0) and np.all(s["acceptance_rate"] <= 1)
    assert np.all(np.abs(s["energy_error"]) <= s["max_energy_error"] + 1e-12)
    np.testing.assert_array_equal(s["divergences"][:, -1], s["diverging"].sum("draw"))
    # After tuning the step size is the dual-averaged one, jittered by at most 15%.
    ratio = s["step_size"] / s["step_size_bar"]
    assert np.all((ratio > 0.85 - 1e-12) & (ratio < 1.15 + 1e-12))
    # lp is the log density of the kept draw.
    x = bcss2_idata.posterior["x"].values
    lp = -0.5 * ((x - np.arange(3)) ** 2).sum(-1) - 1.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(s["lp"], lp, rtol=1e-10)


def test_energy_is_that_of_the_kept_state(bcss2_idata):
    s = bcss2_idata.sample_stats
    # H = K - lp with K >= 0, so the kept energy is at least -lp; after a rejection
    # the draw (and lp) repeat while the energy (fresh momentum) changes.
    assert np.all(s["energy"] >= -s["lp"] - 1e-12)
    rejected = s["accepted"].values[:, 1:] == 0
    assert rejected.any()
    np.testing.assert_array_equal(s["lp"].values[:, 1:][rejected], s["lp"].values[:, :-1][rejected])


def test_arviz_summary_bfmi_and_energy_plot(bcss2_idata):
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    summary = az.summary(bcss2_idata)
    assert len(summary) == 3
    bfmi = az.bfmi(bcss2_idata)["energy"].values
    assert bfmi.shape == (2,) and np.all(np.isfinite(bfmi)) and np.all(bfmi > 0)
    az.plot_energy(bcss2_idata)
    # ArviZ's CmdStan-style checks read diverging, energy and (for NUTS) tree depth.
    has_errors, diagnostics = az.diagnose(
        bcss2_idata, show_diagnostics=False, return_diagnostics=True
    )
    assert isinstance(has_errors, bool) and diagnostics
    import matplotlib.pyplot as plt

    plt.close("all")


def test_progress_bar_shows_divergences_and_gradient_evaluations():
    columns, stats = SymplecticHMC._progressbar_config(2)
    headers = [c.get_table_column().header for c in columns]
    assert headers == ["Divergences", "Grad evals"]
    assert set(stats) == {"divergences", "n_grad_evals"}
    (update,) = SymplecticHMC._make_progressbar_update_functions()
    assert update({"divergences": 2, "n_grad_evals": 17, "n_steps": 8}) == {
        "divergences": 2,
        "n_grad_evals": 17,
        "failing": True,
    }
    with normal_model():
        pm.sample(
            step=SymplecticHMC(),
            chains=1,
            tune=5,
            draws=5,
            progressbar=True,
            compute_convergence_checks=False,
        )


# --------------------------------------------------------------------------- sampling setups


def draws_of(idata, name="x"):
    return idata.posterior[name].values


def test_same_seed_same_draws_and_cores_1_equals_cores_2():
    model = normal_model()
    with model:
        runs = [
            pm.sample(step=SymplecticHMC(integrator="mclachlan"), chains=2, random_seed=5,
                      cores=cores, mp_ctx="fork", **SAMPLE)
            for cores in (1, 1, 2)
        ]  # fmt: skip
        other = pm.sample(step=SymplecticHMC(integrator="mclachlan"), chains=2, cores=1,
                          random_seed=6, **SAMPLE)  # fmt: skip
    np.testing.assert_array_equal(draws_of(runs[0]), draws_of(runs[1]))
    np.testing.assert_array_equal(draws_of(runs[0]), draws_of(runs[2]))
    for name in ("energy", "n_grad_evals", "step_size"):
        np.testing.assert_array_equal(runs[0].sample_stats[name], runs[2].sample_stats[name])
    assert not np.array_equal(draws_of(runs[0]), draws_of(other))
    # the two chains differ: nothing leaks from chain to chain through the reused step
    assert not np.array_equal(draws_of(runs[0])[0], draws_of(runs[0])[1])


def test_chains_do_not_leak_state_with_one_core():
    model = normal_model()
    with model:
        step = SymplecticHMC(integrator="leapfrog")
        first = pm.sample(step=step, chains=1, cores=1, random_seed=8, **SAMPLE)
        # The same step object again: PyMC resets it only through its sampling state.
        second = pm.sample(step=step, chains=1, cores=1, random_seed=8, **SAMPLE)
    np.testing.assert_array_equal(draws_of(first), draws_of(second))


@pytest.mark.parametrize("mp_ctx", ["fork", "spawn"])
def test_multiprocess_sampling(mp_ctx):
    with two_var_model():
        step = SymplecticHMC(integrator="bcss2")
        idata = pm.sample(step=step, chains=2, cores=2, mp_ctx=mp_ctx, random_seed=2, **SAMPLE)
    assert idata.posterior["a"].shape == (2, 50)
    assert np.all(idata.posterior["b"].values > 0)
    assert "n_grad_evals" in idata.sample_stats


def test_step_pickles():
    with two_var_model():
        step = SymplecticHMC(integrator="forest_ruth", metric="dense")
    clone = cloudpickle.loads(cloudpickle.dumps(step))
    assert clone.integrator_name == "forest_ruth"
    assert clone.integrator.kinetic.potential is clone.potential


def test_compound_with_discrete_variable():
    with mixed_model() as model:
        idata = pm.sample(step=[SymplecticHMC(vars=[model["mu"]])], chains=1, random_seed=4,
                          **SAMPLE)  # fmt: skip
        assert set(idata.posterior.data_vars) == {"mu", "n"}
        assert np.all(idata.posterior["n"].values >= 0)
        # Our step passed alone, for the continuous variable: PyMC adds Metropolis.
        idata = pm.sample(step=SymplecticHMC(vars=[model["mu"]]), chains=1, random_seed=4,
                          **SAMPLE)  # fmt: skip
    assert "n_grad_evals" in idata.sample_stats
    assert len(np.unique(idata.posterior["n"].values)) > 1


def test_unblocked_steps_per_variable():
    with two_var_model() as model:
        step = SymplecticHMC(vars=[model["a"], model["b"]], blocked=False, integrator="bcss2")
        assert type(step).__name__ == "CompoundStep" and len(step.methods) == 2
        idata = pm.sample(step=step, chains=2, cores=1, random_seed=9, **SAMPLE)
    assert idata.posterior["a"].shape == (2, 50)


# --------------------------------------------------------------------------- compile modes


def _has_c_compiler():
    return bool(pytensor.config.cxx) and shutil.which(pytensor.config.cxx) is not None


@pytest.mark.parametrize(
    "mode",
    [
        "NUMBA",
        pytest.param(
            "C",
            marks=pytest.mark.skipif(
                not _has_c_compiler(), reason="no C++ compiler for PyTensor's C backend"
            ),
        ),
        pytest.param(
            "JAX",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("jax") is None,
                reason="jax is not installed (optional extra pymc-symplectic[jax])",
            ),
        ),
    ],
)
def test_compile_modes(mode):
    with two_var_model():
        step = SymplecticHMC(integrator="bcss2", compile_kwargs={"mode": mode})
        idata = pm.sample(step=step, chains=1, random_seed=1, **SAMPLE)
    assert np.all(np.isfinite(idata.posterior["a"].values))
    assert idata.sample_stats["acceptance_rate"].mean() > 0.2


# --------------------------------------------------------------------------- divergences


def test_minus_inf_region_gives_divergences_not_a_crash():
    with wall_model():
        step = SymplecticHMC(integrator="leapfrog", path_length=4.0)
        idata = pm.sample(step=step, chains=1, tune=100, draws=200, random_seed=3,
                          progressbar=False, compute_convergence_checks=False)  # fmt: skip
    s = idata.sample_stats
    assert int(s["diverging"].sum()) > 0
    assert np.all(idata.posterior["x"].values <= 1.0)
    diverging = s["diverging"].values
    assert np.all(s["accepted"].values[diverging] == 0)
    assert np.all(s["acceptance_rate"].values[diverging] == 0)
    assert np.all(np.isfinite(s["energy"]))  # the kept state's energy stays finite
    assert np.all(np.isinf(s["energy_error"].values[diverging]))
    assert s["divergences"].values[0, -1] == diverging.sum()


def test_bad_start_raises_sampling_error():
    with wall_model():
        step = SymplecticHMC()
        with pytest.raises(pm.exceptions.SamplingError, match="Bad initial energy"):
            step.step({"x": np.array(2.0)})
        with pytest.raises(pm.exceptions.SamplingError):
            pm.sample(step=SymplecticHMC(), chains=1, initvals={"x": 2.0}, **SAMPLE)


class _Failing(Integrator):
    """A declared-valid integrator whose steps fail, to test the error conversion."""

    name = "failing"
    order = 2
    grad_evals_per_step = 1
    symplectic = True
    symmetric = True
    explicit = True
    reference = "test double"

    def __init__(self, error):
        self.error = error

    def step(self, hamiltonian, state, step_size):
        hamiltonian.log_density_and_grad(state.q)
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        IntegrationError("boom"),
        ConvergenceError("no convergence"),
        np.linalg.LinAlgError("singular"),
        ValueError("array must not contain infs or NaNs"),
    ],
)
def test_integration_failures_become_divergences(error):
    with normal_model():
        step = SymplecticHMC(integrator=_Failing(error), step_rand=None)
        state = step.integrator.compute_state(
            pm.blocking.DictToArrayBijection.map({"x": np.zeros(3)}), np.ones(3)
        )
        with pytest.raises(PyMCIntegrationError):
            step.integrator.step(0.1, state)
        idata = pm.sample(step=step, chains=1, tune=3, draws=5, random_seed=1,
                          progressbar=False, compute_convergence_checks=False)  # fmt: skip
    s = idata.sample_stats
    assert s["diverging"].all() and not s["accepted"].any()
    assert np.all(s["n_grad_evals"] == 2)  # the start point's and the failed step's
    assert np.all(s["n_steps"] == 0)
    x = idata.posterior["x"].values
    np.testing.assert_array_equal(x, np.broadcast_to(x[:, :1], x.shape))


def test_other_value_errors_propagate():
    with normal_model():
        step = SymplecticHMC(integrator=_Failing(ValueError("a bug")))
    state = step.integrator.compute_state(
        pm.blocking.DictToArrayBijection.map({"x": np.zeros(3)}), np.ones(3)
    )
    with pytest.raises(ValueError, match="a bug"):
        step.integrator.step(0.1, state)


def test_implicit_midpoint_convergence_failure_is_a_divergence():
    with normal_model():
        step = SymplecticHMC(integrator="implicit_midpoint", adapt_step_size=False,
                             step_scale=5.0, step_rand=None)  # fmt: skip
        idata = pm.sample(step=step, chains=1, tune=0, draws=5, random_seed=1,
                          progressbar=False, compute_convergence_checks=False)  # fmt: skip
    assert idata.sample_stats["diverging"].all()


# --------------------------------------------------------------------------- the adapter


def test_adapter_matches_pymc_leapfrog():
    with normal_model() as model:
        ours = SymplecticHMC(integrator="leapfrog", scaling=np.array([1.0, 2.0, 0.5]))
        theirs = pm.HamiltonianMC(scaling=np.array([1.0, 2.0, 0.5]))
    point = pm.blocking.DictToArrayBijection.map({"x": np.array([0.3, -1.0, 2.0])})
    p = np.array([0.5, -0.2, 1.0])
    a = ours.integrator.compute_state(point, p)
    b = theirs.integrator.compute_state(point, p)
    for _ in range(3):
        a = ours.integrator.step(0.3, a)
        b = theirs.integrator.step(0.3, b)
    np.testing.assert_allclose(a.q.data, b.q.data, rtol=1e-12)
    np.testing.assert_allclose(a.p, b.p, rtol=1e-12)
    np.testing.assert_allclose(a.v, b.v, rtol=1e-12)
    np.testing.assert_allclose(a.q_grad, b.q_grad, rtol=1e-12)
    assert a.energy == pytest.approx(b.energy, rel=1e-12)
    assert a.model_logp == pytest.approx(b.model_logp, rel=1e-12)
    assert a.index_in_trajectory == b.index_in_trajectory == 3
    # Negative epsilon integrates backward to the start.
    for _ in range(3):
        a = ours.integrator.step(-0.3, a)
    np.testing.assert_allclose(a.q.data, point.data, atol=1e-12)
    assert a.index_in_trajectory == 0
    assert ours.integrator.n_grad_evals == 7
    del model


def test_adapter_checks_dtypes():
    with normal_model():
        step = SymplecticHMC()
    potential = pm.step_methods.hmc.quadpotential.QuadPotentialDiag(
        np.ones(3, dtype="float32"), dtype="float32"
    )
    with pytest.raises(ValueError, match="dtypes"):
        PyMCIntegratorAdapter(
            integrators.get("leapfrog"),
            PotentialKinetic(potential, 3),
            potential,
            step._logp_dlogp_func,
        )


def test_phase_state_is_not_mutated_by_adapter():
    with normal_model():
        step = SymplecticHMC(integrator="bcss3")
    point = pm.blocking.DictToArrayBijection.map({"x": np.array([0.3, -1.0, 2.0])})
    start = step.integrator.compute_state(point, np.array([0.5, -0.2, 1.0]))
    copies = [np.copy(a) for a in (start.q.data, start.p, start.v, start.q_grad)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step.integrator.step(0.2, start)
    for before, after in zip(copies, (start.q.data, start.p, start.v, start.q_grad), strict=True):
        np.testing.assert_array_equal(before, after)
    assert isinstance(PhaseState, type)


def test_sampling_state_carries_the_configuration():
    with normal_model():
        step = SymplecticHMC(integrator="bcss3", metric="dense")
        other = SymplecticHMC(integrator="leapfrog", metric="dense")
    state = step.sampling_state
    assert state.integrator_name == "bcss3"
    assert state.kinetic_name == "gaussian" and state.metric == "dense"
    step.sampling_state = state  # round trip
    with pytest.raises(ValueError, match="integrator_name"):
        other.sampling_state = state


@pytest.mark.parametrize("integrator", ["leapfrog", _Failing(IntegrationError("boom"))])
def test_every_declared_stat_is_emitted(integrator):
    # PyMC drops undeclared stats and stores zeros for declared ones that are missing.
    with normal_model():
        step = SymplecticHMC(integrator=integrator)
    step.setup_chain(np.random.default_rng(0), 2, 2)
    for _ in range(2):
        _, stats = step.step({"x": np.zeros(3)})
        assert set(stats[0]) == set(SymplecticHMC.stats_dtypes_shapes)
