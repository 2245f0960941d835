"""Faults and isolation of the four step methods on real PyMC models.

- Non-finite log densities (``-inf`` and ``nan`` regions) and overflowing gradients:
  sampling does not crash, divergences are recorded in ``sample_stats.diverging``,
  draws stay finite and inside the region where the density is positive.
- Interruption: a ``KeyboardInterrupt`` raised inside the log density mid-run makes
  PyMC return the draws made so far, identical to the start of an uninterrupted run.
- Reproducibility: the same ``random_seed`` gives the same draws, with ``cores=1``
  and ``cores=2`` under ``fork`` and ``spawn``.
- Isolation: with ``cores=1`` PyMC reuses one step object for every chain; the second
  chain equals a fresh single-chain run with that chain's random stream, adaptation
  (step size, mass matrix, speed of light) included.

See docs/validation/faults.md for what is guaranteed and what PyMC does.
"""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

from pymc_symplectic import RelativisticHMC, RelativisticNUTS, SymplecticHMC, SymplecticNUTS

FAMILIES = [SymplecticHMC, SymplecticNUTS, RelativisticHMC, RelativisticNUTS]
RELATIVISTIC = (RelativisticHMC, RelativisticNUTS)
HMC_FAMILIES = (SymplecticHMC, RelativisticHMC)
# Wall-clock statistics differ between any two runs.
TIMING_STATS = ("perf_counter_diff", "perf_counter_start", "process_time_diff")

pytestmark = [
    pytest.mark.usefixtures("quiet_pymc"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # overflow on the way to a divergence
    pytest.mark.filterwarnings("ignore::UserWarning"),  # PyMC's "Only N samples" advice
]


def sample(model, step, **kwargs):
    settings = dict(
        chains=1,
        cores=1,
        progressbar=False,
        compute_convergence_checks=False,
        nuts_sampler="pymc",
    )
    with model:
        return pm.sample(step=step, **(settings | kwargs))


def stats_of(idata, chain: int | None = None) -> dict[str, np.ndarray]:
    stats = idata["sample_stats"]
    return {
        name: np.asarray(stats[name].values if chain is None else stats[name].values[chain])
        for name in stats.data_vars
        if name not in TIMING_STATS
    }


def assert_same_stats(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


# ---------------------------------------------------------------------------
# (a) Non-finite log densities and overflowing gradients
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walled_model():
    """N(0, 1)^2 with log density -inf where x[0] > 1 and nan where x[1] > 1."""
    with pm.Model() as model:
        x = pm.Normal("x", 0.0, 1.0, shape=2)
        pm.Potential("minus_inf_wall", pt.switch(x[0] > 1.0, -np.inf, 0.0))
        pm.Potential("nan_wall", pt.switch(x[1] > 1.0, np.nan, 0.0))
    return model


@pytest.mark.parametrize("family", FAMILIES, ids=lambda c: c.__name__)
def test_non_finite_log_density_is_a_divergence(walled_model, family):
    idata = sample(walled_model, family(model=walled_model), tune=100, draws=100, random_seed=1)
    x = idata["posterior"]["x"].values
    stats = idata["sample_stats"]
    # P(x > 1) = 0.16 per coordinate: trajectories hit both walls often, and end there never.
    assert np.all(np.isfinite(x))
    assert np.all(x <= 1.0), "a draw in the region of zero density"
    assert np.all(np.isfinite(stats["lp"].values))
    assert int(stats["diverging"].values.sum()) > 0
    assert stats["diverging"].dtype == bool
    # The walls truncate N(0, 1) at 1: the draws still spread below it.
    assert x.min() < -1.0


@pytest.fixture(scope="module")
def steep_model():
    r"""N(0, 1) times exp(-exp(x^2)): log density and gradient overflow for |x| > 26.6."""
    with pm.Model() as model:
        x = pm.Normal("x", 0.0, 1.0)
        pm.Potential("steep", -pt.exp(x**2))
    return model


@pytest.mark.parametrize("family", FAMILIES, ids=lambda c: c.__name__)
def test_overflowing_gradient_is_a_divergence(steep_model, family):
    # Steps far too large (no adaptation) throw trajectories into the overflow region.
    step = family(model=steep_model, adapt_step_size=False, step_scale=20.0)
    idata = sample(steep_model, step, tune=0, draws=40, random_seed=2)
    x = idata["posterior"]["x"].values
    stats = idata["sample_stats"]
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) < 26.6)
    assert np.all(np.isfinite(stats["lp"].values))
    assert int(stats["diverging"].values.sum()) > 0
    if family in HMC_FAMILIES:
        # A divergent HMC draw keeps the chain where it was (NUTS may move within the
        # part of its tree built before the divergence).
        diverging = stats["diverging"].values[0]
        stuck = np.diff(x[0]) == 0
        assert np.all(stuck[diverging[1:]])


# ---------------------------------------------------------------------------
# (b) Interruption
# ---------------------------------------------------------------------------


class Tripwire(Op):
    """Identity on a vector that raises ``KeyboardInterrupt`` once a chain has enough draws.

    The draws are counted by a ``pm.sample`` callback (called after each draw); the
    counters are class attributes because compiled graphs may hold copies of the op.
    It fires once per test, so a later chain is not interrupted.
    """

    __props__ = ()
    draws = 0
    armed_at: float = np.inf  # raise once draws >= armed_at
    fired = 0

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        if Tripwire.draws >= Tripwire.armed_at and not Tripwire.fired:
            Tripwire.fired += 1
            raise KeyboardInterrupt("interrupted inside the log density")
        outputs[0][0] = np.array(inputs[0], copy=True)

    def pullback(self, inputs, outputs, cotangents):
        return [cotangents[0]]  # the identity's vector-Jacobian product

    @classmethod
    def arm(cls, at: float) -> None:
        cls.draws, cls.armed_at, cls.fired = 0, at, 0

    @classmethod
    def count(cls, trace, draw) -> None:
        """A ``pm.sample`` callback: the draws the current chain has made."""
        cls.draws = draw.draw_idx + 1


@pytest.fixture(scope="module")
def wired_model():
    """A standard normal whose log density goes through the tripwire."""
    with pm.Model() as model:
        x = pm.Flat("x", shape=2)
        pm.Potential("logp", -0.5 * pt.sum(Tripwire()(x) ** 2))
    return model


def _wired_run(model, family, at, **kwargs):
    Tripwire.arm(at)
    # The Python trajectory: the compiled one would compile the Python op in object mode
    # (slow), and the interrupt reaches PyMC the same way from either path.
    options = {"trajectory": "python"} if family in HMC_FAMILIES else {}
    step = family(model=model, **options)
    return sample(model, step, callback=Tripwire.count, **kwargs)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda c: c.__name__)
def test_interrupt_inside_the_log_density_returns_the_draws_so_far(wired_model, family):
    tune, draws, kept = 20, 30, 12
    full = _wired_run(wired_model, family, np.inf, tune=tune, draws=draws, random_seed=5)
    assert Tripwire.fired == 0
    part = _wired_run(wired_model, family, tune + kept, tune=tune, draws=draws, random_seed=5)
    assert Tripwire.fired == 1
    # The draw in progress is lost; the ones before it are kept, exactly as they were.
    posterior = part["posterior"]
    assert posterior.sizes["chain"] == 1 and posterior.sizes["draw"] == kept
    np.testing.assert_array_equal(posterior["x"].values[0], full["posterior"]["x"].values[0, :kept])
    assert part["sample_stats"].sizes["draw"] == kept
    full_stats = {k: v[:, :kept] for k, v in stats_of(full).items()}
    assert_same_stats(stats_of(part), full_stats)


def test_interrupt_during_tuning_leaves_nothing_to_return(wired_model):
    """PyMC keeps no tuning draws (discard_tuned_samples=True): it raises, it does not hang."""
    with pytest.raises(ValueError, match="Not enough samples to build a trace"):
        _wired_run(wired_model, SymplecticNUTS, 5, tune=20, draws=30, random_seed=5)
    assert Tripwire.fired == 1


@pytest.mark.parametrize("family", [SymplecticNUTS, RelativisticHMC], ids=lambda c: c.__name__)
def test_interrupt_of_one_sequential_chain_leaves_the_next_intact(wired_model, family):
    """With cores=1 PyMC ends only the interrupted chain and runs the next one.

    It then keeps the chains that maximise (chains x common length): here the whole
    second chain, which equals the second chain of an uninterrupted run.
    """
    tune, draws = 20, 30
    settings = dict(tune=tune, draws=draws, chains=2, random_seed=6)
    full = _wired_run(wired_model, family, np.inf, **settings)
    part = _wired_run(wired_model, family, tune + 3, **settings)
    assert Tripwire.fired == 1
    posterior = part["posterior"]
    assert posterior.sizes["chain"] == 1 and posterior.sizes["draw"] == draws
    np.testing.assert_array_equal(posterior["x"].values[0], full["posterior"]["x"].values[1])
    assert_same_stats(stats_of(part, 0), stats_of(full, 1))


# ---------------------------------------------------------------------------
# (c) Reproducibility and (d) isolation of sequential chains
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anisotropic_model():
    with pm.Model() as model:
        pm.Normal("x", 0.0, np.array([1.0, 3.0]), shape=2)
    return model


@pytest.mark.parametrize("family", FAMILIES, ids=lambda c: c.__name__)
def test_same_seed_same_draws_and_sequential_chains_do_not_leak(anisotropic_model, family):
    settings = dict(tune=50, draws=30)
    seed = 20240611
    two = sample(
        anisotropic_model, family(model=anisotropic_model), chains=2, random_seed=seed, **settings
    )
    again = sample(
        anisotropic_model, family(model=anisotropic_model), chains=2, random_seed=seed, **settings
    )
    # (c) The same seed gives the same draws and statistics within a process.
    np.testing.assert_array_equal(two["posterior"]["x"].values, again["posterior"]["x"].values)
    assert_same_stats(stats_of(two), stats_of(again))
    x = two["posterior"]["x"].values
    assert not np.array_equal(x[0], x[1])  # the chains have their own random streams

    # (d) PyMC gives chain i the stream default_rng(seed).spawn(chains)[i]. A generator
    # that has already spawned one child hands that same stream to a one-chain run.
    second_stream = np.random.default_rng(seed)
    second_stream.spawn(1)
    fresh = sample(
        anisotropic_model, family(model=anisotropic_model), random_seed=second_stream, **settings
    )
    np.testing.assert_array_equal(x[1], fresh["posterior"]["x"].values[0])
    second, alone = stats_of(two, 1), stats_of(fresh, 0)
    assert_same_stats(second, alone)  # step sizes, acceptance, energies, ...
    # The adaptation of chain 0 went somewhere else, so a leak would have shown.
    first = stats_of(two, 0)
    assert first["step_size_bar"][-1] != second["step_size_bar"][-1]
    if family in RELATIVISTIC:
        # The speed of light is adapted per chain too (and reported as a statistic).
        assert first["speed_of_light"][-1] != second["speed_of_light"][-1]
        np.testing.assert_array_equal(second["speed_of_light"], alone["speed_of_light"])


@pytest.fixture(scope="module")
def shared_input_models():
    """A model with a discrete variable (a CompoundStep) and one with pm.Data."""
    with pm.Model() as mixed:
        pm.Normal("x", 0.0, 1.0, shape=2)
        pm.Poisson("k", 3.0)
    with pm.Model() as data:
        y = pm.Data("y", np.array([0.5, 1.5, 2.5]))
        mu = pm.Normal("mu", 0.0, 10.0)
        pm.Normal("obs", mu, 1.0, observed=y)
    return {"mixed": mixed, "data": data}


@pytest.mark.parametrize("which", ["mixed", "data"])
@pytest.mark.parametrize(
    "family",
    FAMILIES,
    ids=lambda c: c.__name__,
)
def test_models_with_shared_inputs(shared_input_models, which, family):
    """Other blocks' values and pm.Data enter the log density as shared variables."""
    model = shared_input_models[which]
    options = {"trajectory": "compiled"} if family in HMC_FAMILIES else {}
    idata = sample(model, family(model=model, **options), tune=20, draws=20, random_seed=3)
    for name, values in idata["posterior"].data_vars.items():
        assert np.all(np.isfinite(values.values)), name
    if which == "mixed":  # PyMC's Metropolis moved k while our step moved x
        assert len(np.unique(idata["posterior"]["k"].values)) > 1


@pytest.fixture(scope="module")
def four_block_model():
    """Four independent blocks, one per step family, sampled together by a CompoundStep."""
    with pm.Model() as model:
        for name in "abcd":
            pm.Normal(name, 0.0, np.array([1.0, 2.0]), shape=2)
    return model


def _compound(model):
    # The Python trajectory for the HMC families (a compiled one costs a compilation
    # per kinetic energy); the compiled path in a compound step is tested in
    # test_models_with_shared_inputs and its pickling below.
    steps = []
    for family, name in zip(FAMILIES, "abcd", strict=True):
        options = {"trajectory": "python"} if family in HMC_FAMILIES else {}
        steps.append(family(vars=[model[name]], model=model, **options))
    return steps


@pytest.mark.parametrize("mp_ctx", ["fork", "spawn"])
def test_cores_1_and_2_give_the_same_draws(four_block_model, mp_ctx):
    """Each chain is seeded on its own, so the process it runs in does not matter.

    The four families run in one CompoundStep, so one (slow) spawn start covers all;
    under spawn each step is cloudpickled into a fresh interpreter. Exact equality
    holds here because both processes run the same compiled code on one machine.
    """
    settings = dict(tune=30, draws=20, chains=2, random_seed=9)
    serial = sample(four_block_model, _compound(four_block_model), **settings)
    parallel = sample(
        four_block_model, _compound(four_block_model), **settings, cores=2, mp_ctx=mp_ctx
    )
    for name in "abcd":
        np.testing.assert_array_equal(
            serial["posterior"][name].values, parallel["posterior"][name].values, err_msg=name
        )
    assert_same_stats(stats_of(serial), stats_of(parallel))


def test_spawned_workers_rebuild_the_compiled_trajectory(anisotropic_model):
    """The compiled HMC trajectory is dropped when the step is pickled and rebuilt in the worker."""
    settings = dict(tune=30, draws=20, chains=2, random_seed=10)
    step = SymplecticHMC(model=anisotropic_model, trajectory="compiled")
    serial = sample(anisotropic_model, step, **settings)
    parallel = sample(
        anisotropic_model,
        SymplecticHMC(model=anisotropic_model, trajectory="compiled"),
        **settings,
        cores=2,
        mp_ctx="spawn",
    )
    np.testing.assert_array_equal(
        serial["posterior"]["x"].values, parallel["posterior"]["x"].values
    )
    assert_same_stats(stats_of(serial), stats_of(parallel))
