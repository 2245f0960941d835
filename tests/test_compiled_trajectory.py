"""The compiled whole trajectory (PyTensor Scan on Numba/C, JAX loop) against the Python loop.

The Python path is the reference: from the same start state, step size and
number of steps, the compiled function must reach the same end state, energy
error and divergence, to rounding; and with the same seed a chain must give
the same draws. Compilation is paid once per (model, scheme, kinetic energy),
so the scheme sweep uses one small model.
"""

import math

import cloudpickle
import numpy as np
import pymc as pm
import pytest

from pymc_symplectic import RelativisticHMC, SymplecticHMC, integrators
from pymc_symplectic._pymc_compat import DictToArrayBijection, RaveledVars
from pymc_symplectic.integrators.splitting import SplittingIntegrator
from pymc_symplectic.kinetic import GaussianKinetic

SPLITTING_HMC = [
    n
    for n in integrators.available()
    if integrators.get(n).hmc_valid and isinstance(integrators.get(n), SplittingIntegrator)
]

# Agreement of one trajectory: the two paths round differently (fused loops,
# BLAS vs loops), about 1e-15 per operation; 1e-10 leaves room for the growth
# of rounding errors over 8 steps of a stable trajectory.
TRAJECTORY_TOLERANCE = 1e-10


def constrained_model():
    """Five coordinates, one of them log-transformed (sigma), correlated through the data."""
    y = np.array([1.2, -0.4, 2.1, 0.7, 1.5, 0.2])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 2.0)
        sigma = pm.HalfNormal("sigma", 2.0)
        beta = pm.Normal("beta", 0.0, 1.0, shape=3)
        x = np.linspace(-1, 1, y.size)
        pm.Normal("y", mu + beta[0] * x + beta[1] * x**2 + beta[2] * x**3, sigma, observed=y)
    return model


@pytest.fixture(scope="module")
def model():
    return constrained_model()


def _start_states(step, model, n, seed):
    """``n`` random start states (position near the mode, momentum from the kinetic energy)."""
    rng = np.random.default_rng(seed)
    template = DictToArrayBijection.map(model.initial_point())
    for _ in range(n):
        q = RaveledVars(0.3 * rng.standard_normal(template.data.size), template.point_map_info)
        p = step.integrator.kinetic.sample(rng)
        yield step.integrator.compute_state(q, p)


def _assert_same_trajectory(step, start, step_size, n_steps):
    python = step._integrate_python(start, step_size, n_steps)
    compiled = step._integrate_compiled(start, step_size, n_steps)
    end_py, div_py, n_py, max_py = python
    end_c, div_c, n_c, max_c = compiled
    assert n_c == n_py
    assert (div_c is None) == (div_py is None)
    np.testing.assert_allclose(end_c.q.data, end_py.q.data, rtol=0, atol=TRAJECTORY_TOLERANCE)
    np.testing.assert_allclose(end_c.p, end_py.p, rtol=0, atol=TRAJECTORY_TOLERANCE)
    np.testing.assert_allclose(end_c.v, end_py.v, rtol=0, atol=TRAJECTORY_TOLERANCE)
    np.testing.assert_allclose(end_c.q_grad, end_py.q_grad, rtol=0, atol=TRAJECTORY_TOLERANCE)
    assert end_c.energy == pytest.approx(end_py.energy, abs=TRAJECTORY_TOLERANCE)
    assert end_c.model_logp == pytest.approx(end_py.model_logp, abs=TRAJECTORY_TOLERANCE)
    assert max_c == pytest.approx(max_py, abs=TRAJECTORY_TOLERANCE)


@pytest.mark.parametrize("integrator", SPLITTING_HMC)
def test_every_scheme_matches_the_python_loop(model, integrator):
    with model:
        step = SymplecticHMC(integrator=integrator, trajectory="compiled")
    for start in _start_states(step, model, 3, seed=1):
        _assert_same_trajectory(step, start, 0.05, 8)


KINETICS = [
    pytest.param(SymplecticHMC, {"metric": "diag"}, id="gaussian-diag"),
    pytest.param(SymplecticHMC, {"metric": "dense"}, id="gaussian-dense"),
    pytest.param(RelativisticHMC, {"form": "per_coordinate"}, id="relativistic-per-coordinate"),
    pytest.param(RelativisticHMC, {"form": "isotropic"}, id="relativistic-isotropic"),
    pytest.param(
        RelativisticHMC, {"form": "isotropic", "metric": "dense"}, id="relativistic-dense"
    ),
]
# Each kinetic energy is a separate compilation (tens of seconds with Numba on a
# cold cache); the expressions are shared by both backends, so Numba runs the
# kinetic energies whose operations differ (the isotropic-diag form only
# combines operations the others cover) and JAX runs them all.
NUMBA_KINETICS = [k for k in KINETICS if k.id != "relativistic-isotropic"]


def _set_mass_matrix(step, dim, seed):
    """Give the adaptive potential a non-trivial mass matrix (as after tuning)."""
    rng = np.random.default_rng(seed)
    potential = step.potential
    if hasattr(potential, "_chol"):
        a = rng.standard_normal((dim, dim))
        cov = a @ a.T / dim + np.eye(dim)
        potential._cov = cov
        potential._chol = np.linalg.cholesky(cov)
    else:
        var = rng.uniform(0.3, 2.0, size=dim)
        potential._var = var
        potential._stds = np.sqrt(var)
        potential._inv_stds = 1 / np.sqrt(var)


@pytest.mark.parametrize(
    ("cls", "kwargs", "mode"),
    [pytest.param(*k.values, "NUMBA", id=f"{k.id}-NUMBA") for k in NUMBA_KINETICS]
    + [pytest.param(*k.values, "JAX", id=f"{k.id}-JAX") for k in KINETICS],
)
@pytest.mark.parametrize("integrator", ["position_verlet", "bcss2"])
def test_every_kinetic_energy_matches_the_python_loop(model, cls, kwargs, integrator, mode):
    with model:
        step = cls(
            integrator=integrator, trajectory="compiled", compile_kwargs={"mode": mode}, **kwargs
        )
    assert step.trajectory_backend == mode.lower()
    _set_mass_matrix(step, 5, seed=2)
    if cls is RelativisticHMC:
        step.potential.c = 0.7  # slow enough that some drifts are speed-limited
    for start in _start_states(step, model, 3, seed=3):
        _assert_same_trajectory(step, start, 0.1, 8)
    if cls is RelativisticHMC:
        # The speed statistics count the compiled drifts like the Python ones.
        recorder = step.integrator.kinetic
        recorder.reset()
        step._integrate_python(start, 0.1, 8)
        python_summary = recorder.summary()
        recorder.reset()
        step._integrate_compiled(start, 0.1, 8)
        assert python_summary[1] > 0  # some drifts were speed-limited: the share is tested
        # Means of at most 40 values in [0, 1], each equal to rounding on both paths.
        np.testing.assert_allclose(recorder.summary(), python_summary, atol=1e-12)
        assert recorder._n == 8 * integrators.get(integrator).grad_evals_per_step


def test_c_backend_matches_the_python_loop():
    # The smallest model with a constrained parameter: the C backend compiles
    # one module per operation on a cold cache.
    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0, shape=3)
        pm.HalfNormal("s", 1.0)
    with model:
        step = SymplecticHMC(
            integrator="bcss2", trajectory="compiled", compile_kwargs={"mode": "CVM"}
        )
    assert step.trajectory_backend == "c"
    rng = np.random.default_rng(4)
    template = DictToArrayBijection.map(model.initial_point())
    for _ in range(2):
        q = RaveledVars(rng.standard_normal(4), template.point_map_info)
        start = step.integrator.compute_state(q, step.integrator.kinetic.sample(rng))
        _assert_same_trajectory(step, start, 0.05, 8)


@pytest.mark.parametrize("mode", ["NUMBA", "JAX"])
@pytest.mark.parametrize(
    ("step_size", "emax", "kind"),
    [(40.0, 1000.0, "non-finite"), (1.5, 0.5, "emax")],
    ids=["non-finite", "emax"],
)
def test_divergences_stop_at_the_same_step(model, mode, step_size, emax, kind):
    with model:
        step = SymplecticHMC(
            integrator="leapfrog", trajectory="compiled", compile_kwargs={"mode": mode}, Emax=emax
        )
    start = next(_start_states(step, model, 1, seed=5))
    end_py, div_py, n_py, max_py = step._integrate_python(start, step_size, 50)
    end_c, div_c, n_c, max_c = step._integrate_compiled(start, step_size, 50)
    assert div_py is not None and div_c is not None
    assert n_c == n_py < 50
    assert div_c.message == div_py.message
    assert ("non-finite" in div_c.message) == (kind == "non-finite")
    if kind == "non-finite":
        assert max_c == max_py == math.inf
    else:
        assert max_c == pytest.approx(max_py, rel=1e-12) and max_c > emax
        np.testing.assert_allclose(div_c.state.q.data, div_py.state.q.data, atol=1e-10)
        assert div_c.state_div.energy == pytest.approx(div_py.state_div.energy, rel=1e-12)


def _sample(model, cls, traj, seed, **kwargs):
    with model:
        step = cls(trajectory=traj, **kwargs)
        return pm.sample(
            tune=0,
            draws=150,
            chains=1,
            step=step,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (SymplecticHMC, {"integrator": "bcss2", "step_scale": 0.4}),
        (RelativisticHMC, {"integrator": "leapfrog", "step_scale": 0.3}),
    ],
    ids=["gaussian", "relativistic"],
)
def test_chains_give_the_same_draws(model, cls, kwargs, quiet_pymc):
    # A fixed, stable step size (no dual averaging): rounding differences stay at
    # rounding level instead of being amplified by chaotic trial steps in tuning.
    python = _sample(model, cls, "python", 11, adapt_step_size=False, **kwargs)
    compiled = _sample(model, cls, "compiled", 11, adapt_step_size=False, **kwargs)
    for name in ("mu", "sigma", "beta"):
        np.testing.assert_allclose(
            compiled.posterior[name].values, python.posterior[name].values, atol=1e-10, rtol=0
        )
    for stat in ("accepted", "n_steps", "n_grad_evals", "diverging"):
        np.testing.assert_array_equal(
            compiled.sample_stats[stat].values, python.sample_stats[stat].values
        )
    assert compiled.sample_stats["accepted"].mean() > 0.5  # a chain that moved
    # Positions agree to 1e-10; H = K - log p moves by |grad| * 1e-10 with |grad| < 10 here.
    np.testing.assert_allclose(
        compiled.sample_stats["energy"].values, python.sample_stats["energy"].values, atol=1e-9
    )


def test_same_seed_same_draws_and_tuning_works(model, quiet_pymc):
    def run():
        with model:
            step = SymplecticHMC(integrator="bcss2", trajectory="compiled")
            return pm.sample(
                tune=200,
                draws=200,
                chains=1,
                step=step,
                random_seed=7,
                progressbar=False,
                compute_convergence_checks=False,
            )

    first, second = run(), run()
    np.testing.assert_array_equal(first.posterior["beta"].values, second.posterior["beta"].values)
    # Step-size adaptation reached the target acceptance of a 2nd-order scheme.
    assert 0.5 < float(first.sample_stats["acceptance_rate"].mean()) < 0.95


def test_auto_chooses_compiled_where_it_wins(model):
    jax = {"mode": "JAX"}
    with model:
        # Under JAX the Python loop pays JAX's dispatch per gradient (benchmarks).
        assert SymplecticHMC(integrator="bcss2", compile_kwargs=jax).trajectory == "compiled"
        assert RelativisticHMC(compile_kwargs=jax).trajectory == "compiled"
        # Under Numba and C the compilation outweighs the saving in typical runs.
        assert SymplecticHMC(integrator="bcss2").trajectory == "python"
        assert SymplecticHMC(compile_kwargs={"mode": "CVM"}).trajectory == "python"
        # What the compiled loop can not do goes to the Python loop.
        assert SymplecticHMC(integrator="implicit_midpoint", compile_kwargs=jax).trajectory == (
            "python"
        )
        kinetic = GaussianKinetic(np.ones(5))
        assert SymplecticHMC(kinetic=kinetic, compile_kwargs=jax).trajectory == "python"


def test_compiled_is_refused_with_the_reason(model):
    with model:
        with pytest.raises(ValueError, match="implicit_midpoint.*not a splitting scheme"):
            SymplecticHMC(integrator="implicit_midpoint", trajectory="compiled")
        with pytest.raises(ValueError, match="KineticPotential.*no compiled form"):
            SymplecticHMC(kinetic=GaussianKinetic(np.ones(5)), trajectory="compiled")
        for bad in ("fast", None, 1):
            with pytest.raises(ValueError, match=r"trajectory must be one of"):
                SymplecticHMC(trajectory=bad)


def test_pickled_step_recompiles_and_gives_the_same_draws(model, quiet_pymc):
    with model:
        step = SymplecticHMC(integrator="bcss2", trajectory="compiled", adapt_step_size=False)
    start = next(_start_states(step, model, 1, seed=8))
    before = step._integrate_compiled(start, 0.1, 5)[0]
    clone = cloudpickle.loads(cloudpickle.dumps(step))  # as PyMC sends steps to workers
    assert clone._compiled_trajectory is None
    after = clone._integrate_compiled(start, 0.1, 5)[0]
    np.testing.assert_array_equal(after.q.data, before.q.data)


def test_compound_step_sees_the_other_blocks_values(quiet_pymc):
    # mu is sampled by the compiled HMC, k by Metropolis: the compiled graph must
    # read k's current value at every draw (a shared variable set by PyMC).
    y = np.array([0.1, 2.3, 1.9, 2.8, 2.2])
    with pm.Model() as model:
        k = pm.Bernoulli("k", 0.5)
        mu = pm.Normal("mu", 0.0, 3.0)
        pm.Normal("y", mu + 2.0 * k, 1.0, observed=y)

    def run(traj):
        with model:
            steps = [
                SymplecticHMC([mu], trajectory=traj, adapt_step_size=False, step_scale=0.5),
                pm.BinaryMetropolis([k]),
            ]
            return pm.sample(
                tune=0,
                draws=300,
                chains=1,
                step=steps,
                random_seed=5,
                progressbar=False,
                compute_convergence_checks=False,
            )

    python, compiled = run("python"), run("compiled")
    assert 0 < float(compiled.posterior["k"].mean()) < 1  # both blocks moved
    np.testing.assert_array_equal(compiled.posterior["k"].values, python.posterior["k"].values)
    np.testing.assert_allclose(
        compiled.posterior["mu"].values, python.posterior["mu"].values, atol=1e-10, rtol=0
    )


def test_stage_tables_reproduce_the_schemes():
    from pymc_symplectic.backends import stage_tables

    kicks, drifts = stage_tables(integrators.get("leapfrog").operations)
    np.testing.assert_array_equal(kicks, [0.5, 0.5])
    np.testing.assert_array_equal(drifts, [1.0])
    kicks, drifts = stage_tables(integrators.get("position_verlet").operations)
    np.testing.assert_array_equal(kicks, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(drifts, [0.5, 0.5])
    for name in SPLITTING_HMC:
        method = integrators.get(name)
        kicks, drifts = stage_tables(method.operations)
        assert kicks.sum() == pytest.approx(1.0) and drifts.sum() == pytest.approx(1.0)
        assert drifts.size == method.grad_evals_per_step
    with pytest.raises(ValueError, match="alternate kicks and drifts"):
        stage_tables([(True, 0.5), (True, 0.5)])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "quartic", "metric": "diag"}, "kind must be one of"),
        ({"kind": "gaussian", "metric": "full"}, "metric must be 'diag' or 'dense'"),
        ({"kind": "relativistic", "metric": "diag", "form": "radial"}, "form must be"),
        ({"kind": "relativistic", "metric": "dense", "form": "per_coordinate"}, "needs metric"),
        ({"kind": "gaussian", "metric": "diag", "form": "isotropic"}, "only for the relativistic"),
    ],
)
def test_kinetic_spec_refuses_bad_values(kwargs, words):
    from pymc_symplectic.backends import KineticSpec

    with pytest.raises(ValueError, match=words):
        KineticSpec(**kwargs)


@pytest.mark.parametrize("mode", ["NUMBA", "JAX"])
def test_failed_parameter_check_is_a_divergence_not_an_error(mode):
    # sigma = x leaves its support when x < 0: PyMC's compiled log density turns the
    # failed check into -inf (a divergence); the compiled trajectory must too.
    with pm.Model() as model:
        x = pm.Normal("x", 1.0, 1.0)
        pm.Normal("y", 0.0, sigma=x, observed=[0.5, -0.3])
        step = SymplecticHMC(trajectory="compiled", compile_kwargs={"mode": mode})
    info = DictToArrayBijection.map(model.initial_point()).point_map_info
    start = step.integrator.compute_state(RaveledVars(np.array([0.5]), info), np.array([-50.0]))
    end_py, div_py, n_py, max_py = step._integrate_python(start, 0.1, 10)
    end_c, div_c, n_c, max_c = step._integrate_compiled(start, 0.1, 10)
    assert end_py.q.data[0] < 0  # the step left the support
    assert div_py is not None and div_c is not None
    assert n_c == n_py and max_c == max_py == math.inf
    assert div_c.message == div_py.message
