"""RelativisticHMC and RelativisticNUTS in PyMC: stats, speed bound, adaptation of c, plumbing,
correctness."""

import zlib

import cloudpickle
import numpy as np
import pymc as pm
import pytest
from pymc.blocking import DictToArrayBijection

from pymc_symplectic import integrators
from pymc_symplectic._pymc_compat import QuadPotentialDiagAdapt
from pymc_symplectic.kinetic import GaussianKinetic, RelativisticKinetic
from pymc_symplectic.step_methods.relativistic import (
    RelativisticHMC,
    RelativisticNUTS,
    default_speed_of_light,
)
from pymc_symplectic.testing.checks import assert_within_mcse, bonferroni_z
from pymc_symplectic.testing.targets import TARGETS

SAMPLE = dict(tune=100, draws=100, progressbar=False, compute_convergence_checks=False)


pytestmark = pytest.mark.usefixtures("quiet_pymc")


def normal_model(d=4):
    with pm.Model() as model:
        pm.Normal("x", mu=np.arange(d, dtype=float), sigma=np.linspace(0.5, 3, d), shape=d)
    return model


STEPS = [RelativisticHMC, RelativisticNUTS]


@pytest.fixture(
    scope="module",
    params=[(cls, form) for cls in STEPS for form in ("per_coordinate", "isotropic")],
    ids=lambda p: f"{p[0].__name__}-{p[1]}",
)
def run(request):
    cls, form = request.param
    with normal_model():
        step = cls(form=form)
        idata = pm.sample(step=step, chains=2, cores=1, random_seed=3, **SAMPLE)
    return form, step, idata


def test_speed_stats_are_emitted_and_bounded(run):
    form, _, idata = run
    stats = idata.sample_stats
    for name in ("speed_fraction", "speed_limited_fraction", "speed_of_light"):
        assert stats[name].dtype == np.float64
        assert np.all(np.isfinite(stats[name].values))
    assert np.all((stats.speed_fraction > 0) & (stats.speed_fraction < 1))
    assert np.all((stats.speed_limited_fraction >= 0) & (stats.speed_limited_fraction <= 1))
    assert "n_grad_evals" in stats and "energy" in stats and "lp" in stats


def test_every_step_moves_less_than_h_c(run):
    """Leapfrog's one drift per step moves at most h c posterior sds (per coordinate for
    the per-coordinate form), however violent the momentum."""
    form, step, _ = run
    rng = np.random.default_rng(0)
    start = step.integrator.compute_state(
        DictToArrayBijection.map(step._model.initial_point()),
        step.potential.kinetic.sample(rng) * 50,  # a violent momentum
    )
    h = 0.5
    state = start
    stds = step.potential._stds
    for _ in range(20):
        new = step.integrator.step(h, state)
        move = (new.q.data - state.q.data) / stds
        if form == "isotropic":
            assert np.linalg.norm(move) <= h * step.potential.c * (1 + 1e-9)
        else:
            assert np.all(np.abs(move) <= h * step.potential.c * (1 + 1e-9))
        state = new


def test_speed_of_light_adapts_during_tuning_only(run):
    form, _, idata = run
    c = idata.sample_stats.speed_of_light.values
    assert np.all(c == c[:, :1])  # frozen after tuning
    assert not np.allclose(c[:, 0], default_speed_of_light(4, form))  # it did move


@pytest.mark.parametrize("cls", STEPS)
def test_a_fixed_speed_of_light_is_respected(cls):
    with normal_model():
        step = cls(c=0.7)
        idata = pm.sample(step=step, chains=1, cores=1, random_seed=1, **SAMPLE)
    assert np.all(idata.sample_stats.speed_of_light.values == 0.7)
    with normal_model():
        assert cls(c=0.7, adapt_c=True).potential.adapt_c


@pytest.mark.parametrize("cls", STEPS)
def test_chains_restart_from_the_initial_speed_of_light(cls):
    """With cores=1 one step object runs both chains: c must not leak between them."""
    with normal_model():
        a = pm.sample(step=cls(), chains=2, cores=1, random_seed=5, **SAMPLE)
    with normal_model():
        b = pm.sample(step=cls(), chains=1, cores=1, random_seed=5, **SAMPLE)
    np.testing.assert_array_equal(
        a.sample_stats.speed_of_light.values[0], b.sample_stats.speed_of_light.values[0]
    )
    np.testing.assert_array_equal(a.posterior.x.values[0], b.posterior.x.values[0])


@pytest.mark.parametrize("cls", STEPS)
@pytest.mark.parametrize("mp_ctx", ["fork", "spawn"])
def test_multiprocess_and_seeding(cls, mp_ctx):
    with normal_model():
        one = pm.sample(step=cls(), chains=2, cores=1, random_seed=9, **SAMPLE)
    with normal_model():
        two = pm.sample(step=cls(), chains=2, cores=2, mp_ctx=mp_ctx, random_seed=9, **SAMPLE)
    np.testing.assert_array_equal(one.posterior.x.values, two.posterior.x.values)
    cloudpickle.loads(cloudpickle.dumps(cls(model=normal_model())))


@pytest.mark.parametrize("cls", STEPS)
def test_dense_metric_with_isotropic_form(cls):
    with normal_model():
        idata = pm.sample(
            step=cls(metric="dense", form="isotropic"),
            chains=1,
            random_seed=2,
            **SAMPLE,
        )
    assert np.all(np.isfinite(idata.posterior.x.values))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"c": 0.0}, "c must be a positive finite number"),
        ({"c": np.inf}, "c must be a positive finite number"),
        ({"c": np.nan}, "c must be a positive finite number"),
        ({"m": -1.0}, "m must be a positive finite number"),
        ({"form": "radial"}, "form must be one of"),
        ({"speed_limited_target": 1.0}, "speed_limited_target must be a number in"),
        ({"adapt_c": "yes"}, "adapt_c must be True, False or None"),
        ({"metric": "dense", "form": "per_coordinate"}, "needs metric='diag'"),
        ({"scaling": np.ones(4)}, "does not take scaling="),
        ({"kinetic": "gaussian"}, "does not take kinetic="),
        ({"integrator": "rk4"}, "symplectic"),
        ({"target_accept": 1.5}, "target_accept"),
    ],
)
@pytest.mark.parametrize("cls", STEPS)
def test_bad_arguments(cls, kwargs, match):
    with normal_model():
        with pytest.raises(ValueError, match=match):
            cls(**kwargs)


def test_gaussian_kinetic_reproduces_pymc_diagonal_potential():
    """Energy and velocity of GaussianKinetic equal PyMC's diagonal potential's."""
    var = np.array([0.5, 2.0, 3.0])
    pymc_potential = QuadPotentialDiagAdapt(3, np.zeros(3), var, 10)
    ours = GaussianKinetic(var)
    p = np.array([0.3, -1.2, 0.8])
    np.testing.assert_allclose(ours.velocity(p), pymc_potential.velocity(p))
    assert ours.energy(p) == pytest.approx(pymc_potential.energy(p))


def test_relativistic_potential_never_uses_the_quadratic_shortcut():
    """PyMC computes K = p.v/2 for its potentials; ours must return the relativistic K."""
    with normal_model(3):
        step = RelativisticHMC(c=0.5, form="isotropic")
    p = np.array([3.0, -2.0, 1.0])
    kinetic = RelativisticKinetic(np.ones(3), c=0.5, form="isotropic")
    v = step.potential.velocity(p)
    assert step.potential.energy(p, velocity=v) == pytest.approx(kinetic.energy(p))
    assert step.potential.energy(p) != pytest.approx(0.5 * p @ v)


# --------------------------------------------------------------------------- correctness

# Several integrators and both forms of each step on the exact targets of
# pymc_symplectic.testing.targets; NUTS draws mix faster, so it needs fewer.
CORRECTNESS = [
    (integrator, form, target)
    for integrator in ("leapfrog", "bcss2", "forest_ruth")
    for form in ("per_coordinate", "isotropic")
    for target in TARGETS
]
CORRECTNESS_NUTS = [
    (integrator, form, target)
    for integrator in ("leapfrog", "bcss2")
    for form in ("per_coordinate", "isotropic")
    for target in TARGETS
]
CASES = [(RelativisticHMC, *case) for case in CORRECTNESS] + [
    (RelativisticNUTS, *case) for case in CORRECTNESS_NUTS
]
DRAWS = {RelativisticHMC: (1000, 3000), RelativisticNUTS: (500, 1000)}
# Bonferroni over every comparison of this file (the correctness cases plus the two
# kinetic-object runs on the 20-comparison Gaussian): 240 + 40 = 280 comparisons,
# z = Phi^{-1}(1 - 0.01 / 560) = 4.13 keeps the family-wide false-alarm rate below 1%.
N_COMPARISONS = sum(TARGETS[case[-1]].n_comparisons for case in CASES) + 2 * 20
Z = bonferroni_z(N_COMPARISONS, family_false_alarm=0.01)


@pytest.mark.parametrize(
    ("cls", "integrator", "form", "target"), CASES, ids=lambda v: getattr(v, "__name__", v)
)
def test_expectations_within_mcse(cls, integrator, form, target):
    spec = TARGETS[target]
    tune, draws = DRAWS[cls]
    with spec.model():
        idata = pm.sample(
            step=cls(integrator=integrator, form=form),
            chains=2,
            cores=1,
            tune=tune,
            draws=draws,
            random_seed=zlib.crc32(f"{cls.__name__}/{integrator}/{form}/{target}".encode()),
            progressbar=False,
            compute_convergence_checks=False,
        )
    assert integrators.get(integrator).hmc_valid
    assert_within_mcse(spec.checks(idata.posterior), Z)


def test_the_check_catches_gaussian_momenta_under_a_relativistic_energy():
    """Negative control: drawing momenta from N(0, M) while the Hamiltonian uses the
    relativistic K (the trap of letting K and the momentum law disagree) biases the
    draws, and the same check with the same z fails."""
    spec = TARGETS["gaussian10"]
    with spec.model():
        step = RelativisticHMC(c=0.5)
        potential = step.potential

        def gaussian_momentum():
            return potential._inv_stds * potential.rng.standard_normal(potential._n)

        potential.random = gaussian_momentum
        idata = pm.sample(
            step=step,
            chains=2,
            cores=1,
            tune=1000,
            draws=3000,
            random_seed=11,
            progressbar=False,
            compute_convergence_checks=False,
        )
    with pytest.raises(AssertionError):
        assert_within_mcse(spec.checks(idata.posterior), Z)


# --------------------------------------------------------------------------- kinetic objects


class _NoSample:
    dim = 4

    def energy(self, p):
        return 0.5 * p @ p

    def velocity(self, p):
        return p

    def energy_and_velocity(self, p):
        return self.energy(p), p


@pytest.mark.parametrize("cls", ["SymplecticHMC", "SymplecticNUTS"])
def test_a_kinetic_object_lacking_a_method_is_a_type_error(cls):
    import pymc_symplectic

    with normal_model():
        with pytest.raises(TypeError, match="lacks what the sampler needs: sample"):
            getattr(pymc_symplectic, cls)(kinetic=_NoSample())


@pytest.mark.parametrize("cls", ["SymplecticHMC", "SymplecticNUTS"])
def test_a_kinetic_object_is_used_as_given(cls):
    """A fixed-mass RelativisticKinetic object samples the target correctly."""
    import pymc_symplectic

    spec = TARGETS["gaussian10"]
    kinetic = RelativisticKinetic(np.ones(10) * 0.3, c=1.0, form="per_coordinate")
    with spec.model():
        step = getattr(pymc_symplectic, cls)(kinetic=kinetic)
        assert step.potential.kinetic is kinetic
        idata = pm.sample(
            step=step,
            chains=2,
            cores=1,
            tune=500,
            draws=2000,
            random_seed=17,
            progressbar=False,
            compute_convergence_checks=False,
        )
    assert_within_mcse(spec.checks(idata.posterior), Z)
    with spec.model():
        with pytest.raises(ValueError, match="dimension 4 but the step samples 10"):
            getattr(pymc_symplectic, cls)(kinetic=RelativisticKinetic(np.ones(4)))
