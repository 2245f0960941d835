"""Functional tests of the SymplecticNUTS step method inside PyMC, and of its U-turn criterion."""

import importlib.util
import logging
import math
import shutil

import cloudpickle
import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
import scipy.integrate

from pymc_symplectic import integrators
from pymc_symplectic._pymc_compat import KINETIC_ENERGIES, PotentialKinetic
from pymc_symplectic.errors import IntegrationError
from pymc_symplectic.integrators import Integrator
from pymc_symplectic.step_methods import SymplecticHMC, SymplecticNUTS
from pymc_symplectic.step_methods.hmc import default_target_accept, initial_step_ratio
from pymc_symplectic.step_methods.nuts import default_nuts_target_accept

try:  # the lead's relativistic potential, landing concurrently
    from pymc_symplectic.step_methods.relativistic import (
        relativistic_potential as _relativistic_potential,
    )
except ImportError:  # pragma: no cover
    _relativistic_potential = None

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


def draws_of(idata, name="x"):
    return idata.posterior[name].values


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", NOT_HMC_VALID)
def test_rejects_integrators_without_detailed_balance(name):
    with normal_model():
        with pytest.raises(ValueError, match="symplectic") as info:
            SymplecticNUTS(integrator=name)
        with pytest.raises(ValueError) as hmc_info:
            SymplecticHMC(integrator=name)
    message = str(info.value)
    assert message == str(hmc_info.value)  # one shared validation
    assert name in message and "detailed balance" in message
    for valid in HMC_VALID:
        assert valid in message


def test_unknown_integrator_lists_names():
    with normal_model():
        with pytest.raises(ValueError, match="Unknown integrator") as info:
            SymplecticNUTS(integrator="leapfrogg")
    assert "leapfrog" in str(info.value) and "bcss2" in str(info.value)


def test_accepts_integrator_objects_and_aliases():
    with normal_model():
        assert SymplecticNUTS(integrator=integrators.get("bcss2")).integrator_name == "bcss2"
        assert SymplecticNUTS(integrator="velocity_verlet").integrator_name == "leapfrog"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target_accept": 0.0}, "target_accept"),
        ({"target_accept": 1.0}, "target_accept"),
        ({"target_accept": float("nan")}, "target_accept"),
        ({"target_accept": True}, "target_accept"),
        ({"step_scale": 0.0}, "step_scale"),
        ({"step_scale": math.inf}, "step_scale"),
        ({"Emax": -1.0}, "Emax"),
        ({"max_treedepth": 0}, "max_treedepth"),
        ({"max_treedepth": 2.5}, "max_treedepth"),
        ({"early_max_treedepth": 0}, "early_max_treedepth"),
        ({"early_max_treedepth": True}, "early_max_treedepth"),
        ({"metric": "full"}, "metric='full'"),
        ({"kinetic": "newtonian"}, "kinetic='newtonian'"),
        ({"compile_kwargs": "NUMBA"}, "compile_kwargs"),
        ({"integrator": 3}, "integrator"),
    ],
)
def test_validates_arguments(kwargs, match):
    with normal_model():
        with pytest.raises(ValueError, match=match) as info:
            SymplecticNUTS(**kwargs)
    value = next(iter(kwargs.values()))
    if isinstance(value, str):
        assert value in str(info.value)


def test_relativistic_kinetic_is_refused_without_its_potential():
    with normal_model():
        with pytest.raises(ValueError, match="use those step methods"):
            SymplecticNUTS(kinetic="relativistic")


def test_scaling_with_potential_is_an_error():
    with normal_model():
        potential = pm.step_methods.hmc.quadpotential.QuadPotentialDiag(np.ones(3))
        with pytest.raises(ValueError, match="both potential and scaling"):
            SymplecticNUTS(scaling=np.ones(3), potential=potential)


def test_all_discrete_model_names_the_variables():
    with pm.Model():
        pm.Poisson("k", 2.0)
        pm.Bernoulli("flag", 0.3)
        with pytest.raises(ValueError, match="SymplecticNUTS needs continuous") as info:
            SymplecticNUTS()
    assert "k" in str(info.value) and "flag" in str(info.value)


def test_discrete_var_in_vars_is_named():
    with mixed_model() as model:
        with pytest.raises(ValueError, match=r"discrete variables \['n'\]"):
            SymplecticNUTS(vars=[model["n"]])


# --------------------------------------------------------------------------- defaults


def test_default_target_accept_by_order():
    # PyMC's 0.8 for leapfrog, never below the HMC optimum of the order.
    assert [default_nuts_target_accept(r) for r in (2, 4, 6, 8)] == [0.8, 0.8, 0.86, 0.89]
    for r in (2, 4, 6, 8):
        assert default_nuts_target_accept(r) >= default_target_accept(r)
    with normal_model():
        assert SymplecticNUTS(integrator="leapfrog").target_accept == 0.8
        assert SymplecticNUTS(integrator="yoshida6").target_accept == 0.86
        assert SymplecticNUTS(integrator="yoshida8", target_accept=0.7).target_accept == 0.7


def test_defaults_match_pymc_nuts_with_leapfrog():
    with normal_model():
        ours = SymplecticNUTS()
        theirs = pm.NUTS()
    for name in ("step_size", "target_accept", "max_treedepth", "early_max_treedepth", "Emax"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert type(ours.potential) is type(theirs.potential)


def test_initial_step_size_scales_with_stability_interval():
    d = 3
    with normal_model(d):
        base = 0.25 / d**0.25
        assert SymplecticNUTS(integrator="leapfrog").step_size == pytest.approx(base)
        bcss3 = SymplecticNUTS(integrator="bcss3")
        ratio = initial_step_ratio(integrators.get("bcss3"))
        assert bcss3.step_size == pytest.approx(base * ratio)
        assert bcss3.stability_ratio == ratio
        midpoint = SymplecticNUTS(integrator="implicit_midpoint")
        assert midpoint.step_size == pytest.approx(base)


def test_dense_metric_and_fixed_scaling():
    with normal_model():
        dense = SymplecticNUTS(metric="dense")
        assert type(dense.potential).__name__ == "QuadPotentialFullAdapt"
        assert isinstance(dense.integrator.kinetic, PotentialKinetic)
        assert dense.integrator.kinetic.potential is dense.potential
        fixed = SymplecticNUTS(scaling=np.full(3, 2.0), is_cov=True)
        assert type(fixed.potential).__name__ == "QuadPotentialDiag"
        given = pm.step_methods.hmc.quadpotential.QuadPotentialDiag(np.full(3, 0.5))
        assert SymplecticNUTS(potential=given).integrator.kinetic.potential is given
        idata = pm.sample(step=dense, chains=1, random_seed=3, **SAMPLE)
    assert np.all(np.isfinite(draws_of(idata)))


# --------------------------------------------------------------------------- sample stats

# PyMC's NUTS stats as the DataTree names them, plus ours.
EXPECTED_STATS = {
    "tree_depth": np.int64,
    "step_size": np.float64,
    "acceptance_rate": np.float64,
    "step_size_bar": np.float64,
    "n_steps": np.float64,  # PyMC declares tree_size as float64
    "diverging": np.bool_,
    "divergences": np.int64,
    "energy_error": np.float64,
    "energy": np.float64,
    "max_energy_error": np.float64,
    "lp": np.float64,
    "process_time_diff": np.float64,
    "perf_counter_diff": np.float64,
    "perf_counter_start": np.float64,
    "largest_eigval": np.float64,
    "smallest_eigval": np.float64,
    "index_in_trajectory": np.int64,
    "reached_max_treedepth": np.bool_,
    "n_grad_evals": np.int64,
}


@pytest.fixture(scope="module")
def leapfrog_runs():
    """SymplecticNUTS(leapfrog) and pm.NUTS, same model and seed."""
    with normal_model():
        ours = pm.sample(step=SymplecticNUTS(), chains=2, cores=1, random_seed=11, **SAMPLE)
        theirs = pm.sample(step=pm.NUTS(), chains=2, cores=1, random_seed=11, **SAMPLE)
    return ours, theirs


@pytest.fixture(scope="module")
def bcss2_idata():
    with normal_model():
        step = SymplecticNUTS(integrator="bcss2")
        return pm.sample(step=step, chains=2, cores=1, random_seed=12, **SAMPLE)


def test_sample_stats_names_and_dtypes(leapfrog_runs):
    ours, theirs = leapfrog_runs
    stats = ours.sample_stats
    assert set(stats.data_vars) == set(theirs.sample_stats.data_vars) | {"n_grad_evals"}
    for name, dtype in EXPECTED_STATS.items():
        assert name in stats, name
        assert stats[name].dtype == dtype, (name, stats[name].dtype)
        assert stats[name].shape == (2, 50), name
        if name != "n_grad_evals":
            assert theirs.sample_stats[name].dtype == dtype, name
    for name in ("model_logp", "mean_tree_accept", "depth", "tree_size"):
        assert name not in stats


def test_leapfrog_reproduces_pymc_nuts_draw_by_draw(leapfrog_runs):
    # Same seed, same random-number use and the same leapfrog (to rounding: PyMC
    # uses BLAS axpy): the same chains, tree by tree. Without tuning they agree to
    # rounding; during tuning, dual averaging and the mass-matrix adaptation feed
    # rounding differences back (seen: 7e-11 relative in the step size, 5e-10 in
    # the draws after 50 tuning draws), so the tuned runs are compared to 1e-7
    # while every discrete outcome must be identical.
    with normal_model():
        fixed = dict(chains=2, cores=1, random_seed=21, **{**SAMPLE, "tune": 0})
        untuned = (
            pm.sample(step=SymplecticNUTS(), **fixed),
            pm.sample(step=pm.NUTS(), **fixed),
        )
    np.testing.assert_allclose(draws_of(untuned[0]), draws_of(untuned[1]), rtol=0, atol=1e-12)
    for a, b in (leapfrog_runs, untuned):
        for name in ("tree_depth", "n_steps", "index_in_trajectory", "diverging"):
            np.testing.assert_array_equal(a.sample_stats[name], b.sample_stats[name])
    ours, theirs = leapfrog_runs
    np.testing.assert_allclose(draws_of(ours), draws_of(theirs), rtol=0, atol=1e-7)
    for name in ("energy", "acceptance_rate", "step_size"):
        np.testing.assert_allclose(ours.sample_stats[name], theirs.sample_stats[name], rtol=1e-7)


def test_gradient_evaluations_are_leaves_times_stages(leapfrog_runs, bcss2_idata):
    # The exact relation: one evaluation at the start point, then the scheme's
    # evaluations per step (first-same-as-last reuse) for every leaf.
    s = leapfrog_runs[0].sample_stats
    np.testing.assert_array_equal(s["n_grad_evals"], s["n_steps"] + 1)
    s = bcss2_idata.sample_stats
    assert integrators.get("bcss2").grad_evals_per_step == 2
    np.testing.assert_array_equal(s["n_grad_evals"], 2 * s["n_steps"] + 1)
    assert np.all(s["n_steps"] <= 2 ** s["tree_depth"] - 1)
    assert np.all((s["acceptance_rate"] >= 0) & (s["acceptance_rate"] <= 1))
    np.testing.assert_array_equal(s["divergences"][:, -1], s["diverging"].sum("draw"))
    x = draws_of(bcss2_idata)
    lp = -0.5 * ((x - np.arange(3)) ** 2).sum(-1) - 1.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(s["lp"], lp, rtol=1e-10)
    assert np.all(s["energy"] >= -s["lp"] - 1e-12)  # H = K - lp with K >= 0


def test_arviz_summary_bfmi_and_energy_plot(bcss2_idata):
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert len(az.summary(bcss2_idata)) == 3
    bfmi = az.bfmi(bcss2_idata)["energy"].values
    assert bfmi.shape == (2,) and np.all(np.isfinite(bfmi)) and np.all(bfmi > 0)
    az.plot_energy(bcss2_idata)
    # ArviZ's CmdStan-style checks read diverging, energy and (for NUTS) tree depth.
    has_errors, diagnostics = az.diagnose(
        bcss2_idata, show_diagnostics=False, return_diagnostics=True
    )
    assert isinstance(has_errors, bool) and diagnostics
    plt.close("all")


def test_progress_bar_shows_divergences_step_size_and_gradient_evaluations():
    columns, stats = SymplecticNUTS._progressbar_config(2)
    headers = [c.get_table_column().header for c in columns]
    assert headers == ["Divergences", "Step size", "Grad evals"]
    assert set(stats) == {"divergences", "step_size", "n_grad_evals"}
    (update,) = SymplecticNUTS._make_progressbar_update_functions()
    assert update({"divergences": 0, "step_size": 0.5, "n_grad_evals": 17, "n_steps": 8}) == {
        "divergences": 0,
        "step_size": 0.5,
        "n_grad_evals": 17,
        "failing": False,
    }
    with normal_model():
        pm.sample(step=SymplecticNUTS(), chains=1, tune=5, draws=5, progressbar=True,
                  compute_convergence_checks=False)  # fmt: skip


def test_end_of_sampling_warnings(caplog):
    # PyMC's checks read diverging and reached_max_treedepth, as for its NUTS.
    with wall_model():
        step = SymplecticNUTS(max_treedepth=1, target_accept=0.5)
        with caplog.at_level(logging.WARNING, logger="pymc"):
            idata = pm.sample(step=step, chains=1, tune=100, draws=100, random_seed=3,
                              progressbar=False, compute_convergence_checks=True)  # fmt: skip
    s = idata.sample_stats
    n_div = int(s["diverging"].sum())
    assert n_div > 0 and s["reached_max_treedepth"].mean() > 0.05
    assert f"There were {n_div} divergences after tuning" in caplog.text
    assert "Chain 0 reached the maximum tree depth" in caplog.text
    assert np.all(draws_of(idata) <= 1.0)


# --------------------------------------------------------------------------- sampling setups


def test_same_seed_same_draws_and_cores_1_equals_cores_2():
    model = normal_model()
    with model:
        runs = [
            pm.sample(step=SymplecticNUTS(integrator="mclachlan"), chains=2, random_seed=5,
                      cores=cores, mp_ctx="fork", **SAMPLE)
            for cores in (1, 1, 2)
        ]  # fmt: skip
        other = pm.sample(step=SymplecticNUTS(integrator="mclachlan"), chains=2, cores=1,
                          random_seed=6, **SAMPLE)  # fmt: skip
    np.testing.assert_array_equal(draws_of(runs[0]), draws_of(runs[1]))
    np.testing.assert_array_equal(draws_of(runs[0]), draws_of(runs[2]))
    for name in ("energy", "n_grad_evals", "step_size", "tree_depth"):
        np.testing.assert_array_equal(runs[0].sample_stats[name], runs[2].sample_stats[name])
    assert not np.array_equal(draws_of(runs[0]), draws_of(other))
    # the two chains differ: nothing leaks from chain to chain through the reused step
    assert not np.array_equal(draws_of(runs[0])[0], draws_of(runs[0])[1])


def test_chains_do_not_leak_state_with_one_core():
    with normal_model():
        step = SymplecticNUTS(integrator="bcss2")
        first = pm.sample(step=step, chains=1, cores=1, random_seed=8, **SAMPLE)
        # The same step object again: PyMC resets it only through its sampling state.
        second = pm.sample(step=step, chains=1, cores=1, random_seed=8, **SAMPLE)
    np.testing.assert_array_equal(draws_of(first), draws_of(second))


@pytest.mark.parametrize("mp_ctx", ["fork", "spawn"])
def test_multiprocess_sampling(mp_ctx):
    with two_var_model():
        step = SymplecticNUTS(integrator="bcss2")
        idata = pm.sample(step=step, chains=2, cores=2, mp_ctx=mp_ctx, random_seed=2, **SAMPLE)
    assert idata.posterior["a"].shape == (2, 50)
    assert np.all(idata.posterior["b"].values > 0)
    assert np.all(idata.sample_stats["n_grad_evals"] == 2 * idata.sample_stats["n_steps"] + 1)


def test_step_pickles():
    with two_var_model():
        step = SymplecticNUTS(integrator="forest_ruth", metric="dense", max_treedepth=7)
    clone = cloudpickle.loads(cloudpickle.dumps(step))
    assert clone.integrator_name == "forest_ruth" and clone.max_treedepth == 7
    assert clone.integrator.kinetic.potential is clone.potential


def test_sampling_state_carries_the_configuration():
    with normal_model():
        step = SymplecticNUTS(integrator="bcss3", metric="dense", max_treedepth=6)
        other = SymplecticNUTS(integrator="leapfrog", metric="dense", max_treedepth=6)
    state = step.sampling_state
    assert state.integrator_name == "bcss3" and state.max_treedepth == 6
    assert state.kinetic_name == "gaussian" and state.metric == "dense"
    step.sampling_state = state  # round trip
    with pytest.raises(ValueError, match="integrator_name"):
        other.sampling_state = state


def test_compound_with_discrete_variable():
    with mixed_model() as model:
        step = SymplecticNUTS(vars=[model["mu"]], integrator="bcss2")
        idata = pm.sample(step=step, chains=1, random_seed=4, **SAMPLE)
    assert set(idata.posterior.data_vars) == {"mu", "n"}
    assert "n_grad_evals" in idata.sample_stats and "accepted" in idata.sample_stats
    assert len(np.unique(idata.posterior["n"].values)) > 1


def test_unblocked_steps_per_variable():
    with two_var_model() as model:
        step = SymplecticNUTS(vars=[model["a"], model["b"]], blocked=False, integrator="bcss2")
        assert type(step).__name__ == "CompoundStep" and len(step.methods) == 2
        assert all(isinstance(m, SymplecticNUTS) for m in step.methods)
        idata = pm.sample(step=step, chains=2, cores=1, random_seed=9, **SAMPLE)
    assert idata.posterior["a"].shape == (2, 50)


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
        step = SymplecticNUTS(integrator="bcss2", compile_kwargs={"mode": mode})
        idata = pm.sample(step=step, chains=1, random_seed=1, **SAMPLE)
    assert np.all(np.isfinite(idata.posterior["a"].values))
    assert idata.sample_stats["acceptance_rate"].mean() > 0.5


# --------------------------------------------------------------------------- failures


def test_bad_start_raises_sampling_error():
    with wall_model():
        step = SymplecticNUTS()
        with pytest.raises(pm.exceptions.SamplingError, match="Bad initial energy"):
            step.step({"x": np.array(2.0)})


class _Failing(Integrator):
    """A declared-valid integrator whose steps fail, to test the error conversion."""

    name = "failing"
    order = 2
    grad_evals_per_step = 1
    symplectic = True
    symmetric = True
    explicit = True
    reference = "test double"

    def step(self, hamiltonian, state, step_size):
        hamiltonian.log_density_and_grad(state.q)
        raise IntegrationError("boom")


def test_integration_failure_is_a_divergence():
    with normal_model():
        step = SymplecticNUTS(integrator=_Failing())
        idata = pm.sample(step=step, chains=1, tune=3, draws=5, random_seed=1,
                          progressbar=False, compute_convergence_checks=False)  # fmt: skip
    s = idata.sample_stats
    assert s["diverging"].all()
    assert np.all(s["n_steps"] == 1) and np.all(s["tree_depth"] == 1)
    assert np.all(s["n_grad_evals"] == 2)  # the start point's and the failed step's
    x = draws_of(idata)
    np.testing.assert_array_equal(x, np.broadcast_to(x[:, :1], x.shape))


@pytest.mark.parametrize("integrator", ["leapfrog", _Failing()])
def test_every_declared_stat_is_emitted(integrator):
    # PyMC drops undeclared stats and stores zeros for declared ones that are missing.
    with normal_model():
        step = SymplecticNUTS(integrator=integrator)
    step.setup_chain(np.random.default_rng(0), 2, 2)
    for _ in range(2):
        _, stats = step.step({"x": np.zeros(3)})
        assert set(stats[0]) == set(SymplecticNUTS.stats_dtypes_shapes)


# --------------------------------------------------------------------------- the U-turn criterion


class _ConstantUniform:
    """Stands in for the step's generator: every doubling goes the same way.

    PyMC's NUTS extends forward when ``rng.random() < 0.5``, backward otherwise.
    """

    def __init__(self, value: float):
        self.value = value

    def random(self) -> float:
        return self.value


def _p_zero_crossings(velocity, q0: float, p0: float, direction: int) -> np.ndarray:
    r"""Times of the first two sign changes of p along the exact flow of H = q^2/2 + K(p).

    Hamilton's equations :math:`\dot q = \partial K/\partial p`, :math:`\dot p = -q`,
    run forward (``direction=1``) or backward in time; solved to 1e-11.
    """

    def rhs(_, y):
        return direction * np.array([float(velocity(np.array([y[1]]))[0]), -y[0]])

    def crossing(_, y):
        return y[1]

    solution = scipy.integrate.solve_ivp(
        rhs, (0.0, 20.0), [q0, p0], events=crossing, rtol=1e-11, atol=1e-12
    )
    return solution.t_events[0]


# (q0, p0, depth): starts around the circle of the unit oscillator, and the tree
# depth at which the U-turn should be found; the step size h is set from the exact
# turning time so that the turning point falls half a step before the last leaf of
# that depth (never near a depth boundary, for any kinetic energy).
UTURN_CASES = [(0.0, 1.0, 4), (-1.0, 0.5, 6), (0.8, 0.3, 3), (0.5, -1.2, 5)]
KINETICS = [
    "gaussian",
    pytest.param(
        "relativistic",
        marks=pytest.mark.skipif(
            "relativistic" not in KINETIC_ENERGIES or _relativistic_potential is None,
            reason='kinetic="relativistic" is not yet accepted by make_potential_and_kinetic',
        ),
    ),
]


def _unit_mass(kinetic: str) -> dict:
    """Keyword arguments of SymplecticNUTS for a fixed unit mass matrix in one dimension."""
    if kinetic == "gaussian":
        return {"scaling": np.ones(1), "is_cov": True}
    # K(p) = c sqrt(p^2 + m^2 c^2), c = m = 1: v = p / sqrt(p^2 + 1), |v| < 1.
    potential = _relativistic_potential(
        1,
        c=1.0,
        m=1.0,
        form="isotropic",
        metric="diag",
        adapt_c=False,
        speed_limited_target=0.1,
        dtype="float64",
        rng=np.random.default_rng(0),
    )
    return {"potential": potential}


@pytest.mark.parametrize("kinetic", KINETICS)
@pytest.mark.parametrize("integrator", ["leapfrog", "bcss2", "forest_ruth"])
@pytest.mark.parametrize("q0, p0, depth", UTURN_CASES)
@pytest.mark.parametrize("direction", [1, -1])
def test_tree_depth_matches_the_analytic_turning_time(
    kinetic, integrator, q0, p0, depth, direction
):
    r"""The tree stops in the doubling that first reaches the exact turning point.

    For :math:`H = q^2/2 + K(p)` in one dimension, :math:`v = K'(p)` has the sign
    of :math:`p`, so while every leaf has the sign of :math:`p_0`, every
    :math:`\rho \cdot v` of PyMC's checks is positive. Growing in one direction,
    leaf :math:`k` sits at time :math:`k h`; the first leaf past the turning time
    :math:`t^*` (where :math:`p = 0`) is :math:`k^* = \lceil t^*/h \rceil`, and the
    doubling that adds it, depth :math:`j = \lceil \log_2(k^* + 1) \rceil`, ends the
    tree: its far end, before :math:`p`'s next sign change, has the opposite sign,
    so :math:`\rho \cdot v \le 0` at one end. For the unit Gaussian kinetic energy
    the orbit is a circle, :math:`q = r \sin\psi`, :math:`p = r \cos\psi`,
    :math:`\dot\psi = 1`, and :math:`t^* = \pi/2 \mp \psi_0` (mod :math:`\pi`)
    forward/backward; for any other :math:`K` it is found by solving the flow.
    In one dimension :math:`v` and :math:`p` have the same sign, so this test can
    not tell the criterion on :math:`v` from one on :math:`p`; the circular-orbit
    test below does.
    """
    unit_mass = _unit_mass(kinetic)
    if kinetic == "gaussian":
        velocity = np.asarray  # M = 1
    else:
        velocity = unit_mass["potential"].kinetic.velocity
    crossings = _p_zero_crossings(velocity, q0, p0, direction)
    t_star, t_next = crossings[:2]
    if kinetic == "gaussian":
        psi0 = math.atan2(q0, p0)
        assert t_star == pytest.approx((math.pi / 2 - direction * psi0) % math.pi, abs=1e-8)
    h = t_star / (2**depth - 1.5)  # the turning point half a step before the last leaf
    k_star = math.ceil(t_star / h)
    expected = math.ceil(math.log2(k_star + 1))
    assert expected == depth < 10  # below max_treedepth
    assert (2**expected - 1) * h < t_next  # the far end comes before p's next sign change

    with pm.Model():
        pm.Normal("x", 0.0, 1.0)
        step = SymplecticNUTS(
            integrator=integrator,
            kinetic=kinetic,
            adapt_step_size=False,
            step_scale=h / initial_step_ratio(integrators.get(integrator)),  # so h_0 = h
            **unit_mass,
        )
    step.tune = False  # max_treedepth applies, and the step size stays h_0
    step.rng = _ConstantUniform(0.25 if direction > 0 else 0.75)
    step.potential.random = lambda: np.array([p0])  # the draw's momentum

    _, (stats,) = step.step({"x": np.array(q0)})
    assert stats["step_size"] == pytest.approx(h)
    assert stats["depth"] == expected
    assert not stats["diverging"] and not stats["reached_max_treedepth"]
    assert 2 ** (expected - 1) <= stats["tree_size"] <= 2**expected - 1


SCALES = np.array([1.0, 4.0])  # posterior standard deviations; M^{-1} = diag(SCALES^2)
# (angle of the orbit's start in the whitened plane, |p~0|, depth): h is set so that
# half a period falls half a step before the last leaf of that depth.
CIRCLE_CASES = [(0.3, 1.0, 4), (2.0, 0.6, 5), (-1.2, 1.5, 6)]


def _anisotropic_unit_mass(kinetic: str) -> dict:
    """Keyword arguments of SymplecticNUTS for the fixed mass matrix M = diag(SCALES^-2)."""
    if kinetic == "gaussian":
        return {"scaling": SCALES**2, "is_cov": True}
    potential = _relativistic_potential(
        2,
        c=1.0,
        m=1.0,
        form="isotropic",
        metric="diag",
        adapt_c=False,
        speed_limited_target=0.1,
        dtype="float64",
        rng=np.random.default_rng(0),
    )
    # What QuadPotentialDiagAdapt._update_from_weightvar sets for M^{-1} = SCALES^2.
    potential._var[:] = SCALES**2
    potential._stds[:] = SCALES
    potential._inv_stds[:] = 1 / SCALES
    return {"potential": potential}


@pytest.mark.parametrize("kinetic", KINETICS)
@pytest.mark.parametrize("integrator", ["leapfrog", "bcss2", "forest_ruth"])
@pytest.mark.parametrize("angle, momentum, depth", CIRCLE_CASES)
def test_tree_depth_is_half_a_circular_orbit(kinetic, integrator, angle, momentum, depth):
    r"""On a circular orbit the generalised criterion turns after half a period, either way.

    Target :math:`N(0, \Sigma)` with :math:`M^{-1} = \Sigma = \mathrm{diag}(s^2)`,
    so in whitened coordinates :math:`\tilde q = q/s`, :math:`\tilde p = s p` the
    force is :math:`-\tilde q` and an isotropic :math:`K(|\tilde p|)` has velocity
    along :math:`\tilde p`. With :math:`\tilde p_0 \perp \tilde q_0` and
    :math:`|\tilde q_0| = R` where :math:`R^2 = |\tilde p_0|\,|\tilde v_0|`
    (:math:`R = |\tilde p_0|` for the Gaussian K), the orbit is a circle of
    angular speed :math:`\omega = R / |\tilde p_0|`. The summed momentum of an arc
    bisects it, so :math:`\rho \cdot v \le 0` at an end exactly when the arc
    spans half a turn: a tree of :math:`2^j` leaves turns in the first doubling
    with :math:`(2^j - 1) h \ge \pi/\omega`, whichever directions the doublings
    take (random here). The criterion on :math:`p` instead of
    :math:`v = \partial K/\partial p` would weigh the coordinates by
    :math:`s^{-2}` and turn at another time.
    """
    unit_mass = _anisotropic_unit_mass(kinetic)
    p_tilde = momentum * np.array([np.cos(angle), np.sin(angle)])
    if kinetic == "gaussian":
        speed = momentum
    else:
        v0 = unit_mass["potential"].kinetic.velocity(p_tilde / SCALES)
        speed = float(np.linalg.norm(v0 / SCALES))  # |v~0|
    radius = math.sqrt(momentum * speed)
    q_tilde = radius * np.array([np.sin(angle), -np.cos(angle)])  # perpendicular
    q0, p0 = SCALES * q_tilde, p_tilde / SCALES
    omega = radius / momentum
    if kinetic == "gaussian":
        assert omega == 1.0
    h = (math.pi / omega) / (2**depth - 1.5)

    with pm.Model():
        pm.Normal("x", 0.0, sigma=SCALES, shape=2)
        step = SymplecticNUTS(
            integrator=integrator,
            kinetic=kinetic,
            adapt_step_size=False,
            step_scale=h * 2**0.25 / initial_step_ratio(integrators.get(integrator)),
            **unit_mass,
        )
    # The exact flow: p.p0 = p~.p~0 turns negative after half a period.
    velocity = step.integrator.kinetic.velocity

    def rhs(_, y):
        return np.concatenate([velocity(y[2:]), -y[:2] / SCALES**2])

    def half_turn(_, y):
        return float(y[:2] @ p0)

    half_turn.direction = -1
    flow = scipy.integrate.solve_ivp(
        rhs, (0.0, 20.0), np.concatenate([q0, p0]), events=half_turn, rtol=1e-11, atol=1e-12
    )
    assert flow.t_events[0][0] == pytest.approx(math.pi / omega, rel=1e-7)

    step.setup_chain(np.random.default_rng(depth), 0, 10)
    step.tune = False
    step.potential.random = lambda: p0.copy()
    depths = set()
    for _ in range(4):  # random directions
        _, (stats,) = step.step({"x": q0.copy()})
        assert stats["step_size"] == pytest.approx(h)
        assert not stats["diverging"]
        depths.add(stats["depth"])
    assert depths == {depth}
