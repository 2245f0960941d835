"""Bad input to every public constructor and function: a clear ValueError/TypeError naming it.

Each case asserts the exception type and that the message names the parameter (and,
where sensible, the value). Known defects are ``xfail(strict=True)`` with the defect
as the reason, so the suite stays green and a fix shows up as an XPASS to remove.
"""

import math
import re
import warnings

import numpy as np
import pymc as pm
import pytest

from pymc_symplectic import compare, diagnostics, examples, integrators
from pymc_symplectic.dynamics import Hamiltonian, simulate
from pymc_symplectic.integrators import (
    AdamsBashforth,
    ExplicitRungeKutta,
    ImplicitRungeKutta,
    SplittingIntegrator,
)
from pymc_symplectic.kinetic import (
    DenseMetric,
    DiagonalMetric,
    GaussianKinetic,
    RelativisticKinetic,
)
from pymc_symplectic.step_methods import (
    RelativisticHMC,
    RelativisticNUTS,
    SymplecticHMC,
    SymplecticNUTS,
)

NAN, INF = math.nan, math.inf
STEPS = [SymplecticHMC, SymplecticNUTS, RelativisticHMC, RelativisticNUTS]
GAUSSIAN_STEPS = [SymplecticHMC, SymplecticNUTS]
RELATIVISTIC_STEPS = [RelativisticHMC, RelativisticNUTS]
ERRORS = (ValueError, TypeError)

# The xfail cases of defects that return NaN/inf instead of raising warn on the way.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def named(*words) -> str:
    """A ``match=`` pattern requiring every word (escaped), in any order."""
    return "".join(f"(?=[\\s\\S]*{re.escape(str(w))})" for w in words)


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


# ---------------------------------------------------------------------------
# Shared models (module scope: nothing here compiles more than it must)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_a():
    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0, shape=2)
    return model


@pytest.fixture(scope="module")
def model_b():
    with pm.Model() as model:
        pm.Normal("x", 5.0, 1.0, shape=2)  # same name and shape as model_a's
    return model


@pytest.fixture(scope="module")
def empty_model():
    return pm.Model()


@pytest.fixture(scope="module")
def discrete_model():
    with pm.Model() as model:
        pm.Poisson("k", 3.0)
    return model


@pytest.fixture(scope="module")
def oscillator():
    return Hamiltonian(lambda q: 0.5 * q @ q, lambda q: q, GaussianKinetic.identity(1))


# ---------------------------------------------------------------------------
# Integrators
# ---------------------------------------------------------------------------

VV = (0.5, 1.0, 0.5)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(name=""), ["name"]),
        (dict(name=3), ["name", "3"]),
        (dict(order=0), ["order", "0"]),
        (dict(order=2.0), ["order", "2.0"]),
        (dict(order=True), ["order", "True"]),
        (dict(first="middle"), ["first", "middle"]),
        (dict(coefficients=None), ["coefficients", "None"]),
        (dict(coefficients="ab"), ["coefficients", "ab"]),
        (dict(coefficients=(1.0,)), ["coefficients"]),
        (dict(coefficients=(0.5, NAN, 0.5)), ["coefficients[1]", "nan"]),
        (dict(coefficients=(0.5, INF, 0.5)), ["coefficients[1]", "inf"]),
        (dict(coefficients=(0.5, 0.0, 1.0, 0.0, 0.5)), ["coefficients[1]", "0.0"]),
        (dict(coefficients=(0.5, 1.0, 0.6)), ["kick", "sum"]),
        (dict(coefficients=(0.5, 1.1, 0.5)), ["drift", "sum"]),
        (dict(coefficients=(0.4, 0.5, 0.6, 0.5), symmetric=True), ["palindrome"]),
        (dict(coefficients=(0.3, 1.0, 0.7)), ["palindrome"]),
    ],
)
def test_splitting_integrator_refuses(kwargs, words):
    args = dict(name="t", coefficients=VV, order=2, reference="r") | kwargs
    with pytest.raises(ValueError, match=named(*words)):
        SplittingIntegrator(**args)


@pytest.mark.parametrize("kwargs", [dict(symmetric="no"), dict(reference=None)])
def test_splitting_integrator_refuses_non_bool_symmetric_and_missing_reference(kwargs):
    args = dict(name="t", coefficients=VV, order=2, reference="r") | kwargs
    with pytest.raises(ERRORS, match=next(iter(kwargs))):
        SplittingIntegrator(**args)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(a=[[0.0, 1.0], [0.0, 0.0]], b=[0.5, 0.5]), ["lower triangular"]),
        (dict(a=[[NAN]], b=[1.0]), ["non-finite"]),
        (dict(a=[[0.0, 0.0]], b=[1.0]), ["a of", "shape"]),
        (dict(b=[2.0]), ["b of", "sum"]),
        (dict(symplectic=True), ["symplectic"]),
    ],
)
def test_explicit_runge_kutta_refuses(kwargs, words):
    args = dict(name="e", a=[[0.0]], b=[1.0], order=1, reference="r") | kwargs
    with pytest.raises(ValueError, match=named(*words)):
        ExplicitRungeKutta(**args)


@pytest.mark.parametrize(
    "kwargs, words",
    [(dict(name=""), ["name"]), (dict(order=0), ["order", "0"]), (dict(order="x"), ["order"])],
)
def test_explicit_runge_kutta_refuses_bad_metadata(kwargs, words):
    args = dict(name="e", a=[[0.0]], b=[1.0], order=1, reference="r") | kwargs
    with pytest.raises(ValueError, match=named(*words)):
        ExplicitRungeKutta(**args)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(tolerance=0.0), ["tolerance", "0.0"]),
        (dict(tolerance=NAN), ["tolerance", "nan"]),
        (dict(tolerance=-1e-9), ["tolerance"]),
        (dict(max_iterations=0), ["max_iterations", "0"]),
        (dict(max_iterations=-1), ["max_iterations", "-1"]),
        (dict(max_iterations=2.5), ["max_iterations", "2.5"]),
        (dict(a=[[1.0]], symplectic=True), ["symplectic"]),
    ],
)
def test_implicit_runge_kutta_refuses(kwargs, words):
    args = dict(name="i", a=[[0.5]], b=[1.0], order=2, reference="r") | kwargs
    with pytest.raises(ValueError, match=named(*words)):
        ImplicitRungeKutta(**args)


@pytest.mark.parametrize("beta, words", [((1.5, -0.4), ["beta", "sum"]), ((), ["beta", "sum"])])
def test_adams_bashforth_refuses_bad_sum(beta, words):
    with pytest.raises(ValueError, match=named(*words)):
        AdamsBashforth("ab", beta, 2, "r", integrators.get("rk4"))


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(beta=(NAN, 1.0)), "beta"),
        (dict(order=0), "order"),
        (dict(starter=None), "starter"),
        (dict(starter="leapfrog"), "starter"),
    ],
)
def test_adams_bashforth_refuses_bad_fields(kwargs, word):
    args = dict(name="ab", beta=(1.5, -0.5), order=2, reference="r") | kwargs
    args.setdefault("starter", integrators.get("rk4"))
    with pytest.raises(ERRORS, match=word):
        AdamsBashforth(**args)


def test_registry_refuses_unknown_and_wrong_types():
    with pytest.raises(ValueError, match=named("Unknown integrator", "'nope'", "leapfrog")):
        integrators.get("nope")
    with pytest.raises(TypeError, match=named("integrator name", "NoneType")):
        integrators.get(None)
    with pytest.raises(TypeError, match=named("integrator", "int")):
        integrators.register(1)
    with pytest.raises(ValueError, match=named("'leapfrog'", "already registered")):
        integrators.register(integrators.get("leapfrog"))
    with pytest.raises(ValueError, match=named("Unknown integrator", "'nope'")):
        integrators.unregister("nope")


def test_compose_refuses_bad_weights():
    leapfrog = integrators.get("leapfrog")
    with pytest.raises(ValueError, match="sum"):
        integrators.compose(leapfrog, (0.5, 0.6), name="c", order=2, reference="r")
    with pytest.raises(ValueError, match="palindrome"):
        integrators.compose(leapfrog, (0.3, 0.7), name="c", order=2, reference="r")


def test_compose_refuses_empty_weights():
    with pytest.raises(ValueError, match="weights"):
        integrators.compose(integrators.get("leapfrog"), (), name="c", order=2, reference="r")


# ---------------------------------------------------------------------------
# Kinetic energies and metrics
# ---------------------------------------------------------------------------

BAD_DIAG = [
    (np.array([1.0, -1.0]), ["inverse_mass", "-1."]),
    (np.array([1.0, 0.0]), ["inverse_mass", "0."]),
    (np.array([1.0, NAN]), ["inverse_mass", "nan"]),
    (np.array([1.0, INF]), ["inverse_mass", "inf"]),
    (np.array([]), ["inverse_mass", "(0,)"]),
    (None, ["inverse_mass", "()"]),
]
BAD_DENSE = [
    (np.array([[1.0, 0.5], [0.0, 1.0]]), ["inverse_mass", "symmetric"]),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), ["inverse_mass", "positive definite"]),
    (np.array([[1.0, 0.0], [0.0, -1.0]]), ["inverse_mass", "positive definite"]),
    (np.ones((2, 3)), ["inverse_mass", "(2, 3)"]),
    (np.ones((2, 2, 2)), ["inverse_mass", "(2, 2, 2)"]),
    (np.array([[1.0, NAN], [NAN, 1.0]]), ["inverse_mass", "finite"]),
]


@pytest.mark.parametrize("inverse_mass, words", BAD_DIAG)
def test_diagonal_metric_refuses(inverse_mass, words):
    with pytest.raises(ValueError, match=named(*words)):
        DiagonalMetric(inverse_mass)


@pytest.mark.parametrize("inverse_mass, words", BAD_DENSE)
def test_dense_metric_refuses(inverse_mass, words):
    with pytest.raises(ValueError, match=named(*words)):
        DenseMetric(inverse_mass)


@pytest.mark.parametrize(
    "make", [GaussianKinetic, lambda im: RelativisticKinetic(im, form="isotropic")]
)
@pytest.mark.parametrize("inverse_mass, words", BAD_DIAG[:4] + BAD_DENSE[:3])
def test_kinetic_refuses_bad_inverse_mass(make, inverse_mass, words):
    with pytest.raises(ValueError, match=named(*words)):
        make(inverse_mass)


@pytest.mark.parametrize("bad", [3.0, object(), np.ones((1, 1, 1))])
def test_kinetic_refuses_wrong_rank(bad):
    with pytest.raises(ValueError, match=named("inverse_mass", "dimensions")):
        GaussianKinetic(bad)


def test_dense_metric_refuses_empty():
    with pytest.raises(ValueError, match="inverse_mass"):
        DenseMetric(np.ones((0, 0)))


@pytest.mark.parametrize("make, bad", [(DiagonalMetric, ["a", "b"]), (DenseMetric, [["a"]])])
def test_metric_names_non_numeric_inverse_mass(make, bad):
    with pytest.raises(ValueError, match="inverse_mass"):
        make(bad)


@pytest.mark.parametrize("dim", [0, -1, 2.5])
def test_gaussian_identity_refuses(dim):
    with pytest.raises(ValueError, match=named("dim", dim)):
        GaussianKinetic.identity(dim)


@pytest.mark.parametrize("dim", ["a", None, NAN, INF, True])
def test_gaussian_identity_names_dim(dim):
    with pytest.raises(ERRORS, match="dim"):
        GaussianKinetic.identity(dim)


@pytest.mark.parametrize("name", ["c", "m"])
@pytest.mark.parametrize("value", [0.0, -1.0, NAN, INF, -INF, None, "x", [1.0]])
def test_relativistic_kinetic_refuses_c_m(name, value):
    with pytest.raises(ValueError, match=named(name, "positive finite", repr(value))):
        RelativisticKinetic(np.ones(2), **{name: value})


@pytest.mark.parametrize("value", [True, "2"])
def test_relativistic_kinetic_refuses_non_numbers(value):
    with pytest.raises(ValueError, match="c must"):
        RelativisticKinetic(np.ones(2), c=value)


@pytest.mark.parametrize("form", ["nope", 1, None])
def test_relativistic_kinetic_refuses_form(form):
    with pytest.raises(ValueError, match=named("form", repr(form))):
        RelativisticKinetic(np.ones(2), form=form)


def test_relativistic_per_coordinate_refuses_dense():
    with pytest.raises(ValueError, match=named("per_coordinate", "diagonal")):
        RelativisticKinetic(np.eye(2), form="per_coordinate")


# ---------------------------------------------------------------------------
# dynamics: Hamiltonian and simulate
# ---------------------------------------------------------------------------


def test_hamiltonian_refuses_non_callables():
    kinetic = GaussianKinetic.identity(1)
    with pytest.raises(TypeError, match=named("potential", "callable", "NoneType")):
        Hamiltonian(None, lambda q: q, kinetic)
    with pytest.raises(TypeError, match=named("potential_grad", "callable")):
        Hamiltonian(lambda q: 0.0, 3, kinetic)
    with pytest.raises(TypeError, match=named("kinetic", "KineticEnergy")):
        Hamiltonian(lambda q: 0.0, lambda q: q, np.ones(1))
    with pytest.raises(TypeError, match=named("log_density_and_grad", "callable")):
        Hamiltonian.from_log_density(None, kinetic)


@pytest.mark.parametrize("step_size", [0, 0.0, -0.1, NAN, INF, -INF, "0.1", None, True])
def test_simulate_refuses_step_size(oscillator, step_size):
    with pytest.raises(ValueError, match=named("step_size", repr(step_size))):
        simulate("leapfrog", oscillator, [1.0], [0.0], step_size, 2)


@pytest.mark.parametrize("n_steps", [0, -1, 2.5, 2.0, NAN, None, True, "2"])
def test_simulate_refuses_n_steps(oscillator, n_steps):
    with pytest.raises(ValueError, match=named("n_steps", repr(n_steps))):
        simulate("leapfrog", oscillator, [1.0], [0.0], 0.1, n_steps)


@pytest.mark.parametrize(
    "q0, p0, words",
    [
        ([NAN], [0.0], ["q0", "finite"]),
        ([1.0], [INF], ["p0", "finite"]),
        ([[1.0]], [0.0], ["q0", "1-d"]),
        ([], [], ["q0", "non-empty"]),
        ("ab", [0.0], ["q0", "numeric"]),
        ([1.0, 0.0], [0.0], ["q0", "p0", "same shape"]),
        ([1.0, 0.0], [0.0, 1.0], ["q0", "2 coordinates", "dimension 1"]),
    ],
)
def test_simulate_refuses_states(oscillator, q0, p0, words):
    with pytest.raises(ValueError, match=named(*words)):
        simulate("leapfrog", oscillator, q0, p0, 0.1, 2)


def test_simulate_refuses_integrator_and_hamiltonian(oscillator):
    with pytest.raises(ValueError, match=named("Unknown integrator", "'nope'")):
        simulate("nope", oscillator, [1.0], [0.0], 0.1, 1)
    with pytest.raises(TypeError, match=named("integrator", "int")):
        simulate(3, oscillator, [1.0], [0.0], 0.1, 1)
    with pytest.raises(TypeError, match=named("hamiltonian", "NoneType")):
        simulate("leapfrog", None, [1.0], [0.0], 0.1, 1)


# ---------------------------------------------------------------------------
# Step methods (every check here runs before any compilation)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", STEPS)
@pytest.mark.parametrize("target_accept", [0, 1, 1.5, -0.1, NAN, INF, "0.8", True, None])
def test_steps_refuse_target_accept(model_a, cls, target_accept):
    if target_accept is None:  # None is the documented "use the default"
        return
    with pytest.raises(ValueError, match=named("target_accept", repr(target_accept))):
        cls(model=model_a, target_accept=target_accept)


@pytest.mark.parametrize("cls", STEPS)
@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(integrator="nope"), ValueError, ["Unknown integrator", "'nope'", "leapfrog"]),
        (dict(integrator=3), ValueError, ["integrator", "3", "leapfrog"]),
        (dict(integrator="euler"), ValueError, ["integrator='euler'", "symplectic"]),
        (dict(integrator="symplectic_euler"), ValueError, ["symmetric", "leapfrog"]),
        (dict(metric="nope"), ValueError, ["metric='nope'", "diag"]),
        (dict(metric=None), ValueError, ["metric=None"]),
        (dict(step_scale=0), ValueError, ["step_scale", "0"]),
        (dict(step_scale=NAN), ValueError, ["step_scale", "nan"]),
        (dict(Emax=-1.0), ValueError, ["Emax", "-1.0"]),
        (dict(compile_kwargs=[1]), ValueError, ["compile_kwargs", "[1]"]),
    ],
)
def test_steps_refuse_common_arguments(model_a, cls, kwargs, exc, words):
    with pytest.raises(exc, match=named(*words)):
        cls(model=model_a, **kwargs)


@pytest.mark.parametrize("cls", STEPS)
def test_steps_refuse_empty_and_discrete_models(empty_model, discrete_model, cls):
    with pytest.raises(ValueError, match="free random variables"):
        cls(model=empty_model)
    with pytest.raises(ValueError, match=named(cls.__name__, "discrete", "['k']")):
        cls(model=discrete_model)


@pytest.mark.parametrize("cls", STEPS)
def test_steps_outside_a_model(cls):
    with pytest.raises(TypeError, match="No model on context stack"):
        cls()


@pytest.mark.parametrize("cls", STEPS)
def test_steps_refuse_non_model(cls):
    with pytest.raises(ERRORS, match="model"):
        cls(model=3)


@pytest.mark.parametrize("cls", STEPS)
@pytest.mark.parametrize("kwargs", [dict(gamma=-1.0), dict(k=2.0), dict(t0=NAN)])
def test_steps_refuse_dual_averaging_parameters(model_a, cls, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        cls(model=model_a, **kwargs)


@pytest.mark.parametrize("cls", GAUSSIAN_STEPS)
@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(kinetic="nope"), ValueError, ["kinetic='nope'", "gaussian"]),
        (dict(kinetic=3), TypeError, ["kinetic=3", "energy", "velocity"]),
        (dict(kinetic="relativistic"), ValueError, ["RelativisticHMC"]),
        (dict(kinetic=GaussianKinetic.identity(3)), ValueError, ["dimension 3", "2"]),
        (dict(scaling=np.ones(2), potential=object()), ValueError, ["potential", "scaling"]),
    ],
)
def test_gaussian_steps_refuse_kinetic(model_a, cls, kwargs, exc, words):
    with pytest.raises(exc, match=named(*words)):
        cls(model=model_a, **kwargs)


@pytest.mark.parametrize("cls", GAUSSIAN_STEPS)
@pytest.mark.parametrize("scaling", [-np.ones(2), np.array([NAN, 1.0])])
def test_gaussian_steps_refuse_negative_scaling(model_a, cls, scaling):
    # PyMC's PositiveDefiniteError (a ValueError) names "Scaling".
    with pytest.raises(ValueError, match="Scaling"):
        cls(model=model_a, scaling=scaling, is_cov=True)


@pytest.mark.parametrize("cls", GAUSSIAN_STEPS)
@pytest.mark.parametrize(
    "scaling",
    [np.ones(3), np.array([[1.0, 0.5], [0.0, 1.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])],
    ids=["wrong-shape", "non-symmetric", "not-pd"],
)
def test_gaussian_steps_refuse_bad_scaling(model_a, cls, scaling):
    with pytest.raises(ValueError, match="scaling"):
        cls(model=model_a, scaling=scaling, is_cov=True)


def test_hmc_specific_arguments(model_a):
    for kwargs, words in [
        (dict(path_length=0), ["path_length", "0"]),
        (dict(path_length=INF), ["path_length", "inf"]),
        (dict(max_steps=0), ["max_steps", "0"]),
        (dict(max_steps=2.5), ["max_steps", "2.5"]),
        (dict(step_rand=3), ["step_rand", "3"]),
    ]:
        with pytest.raises(ValueError, match=named(*words)):
            SymplecticHMC(model=model_a, **kwargs)
    for kwargs, words in [
        (dict(max_treedepth=0), ["max_treedepth", "0"]),
        (dict(early_max_treedepth=-1), ["early_max_treedepth", "-1"]),
        (dict(max_treedepth=True), ["max_treedepth", "True"]),
    ]:
        with pytest.raises(ValueError, match=named(*words)):
            SymplecticNUTS(model=model_a, **kwargs)


@pytest.mark.parametrize("cls", RELATIVISTIC_STEPS)
@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(c=0), ["c must", "0"]),
        (dict(c=-1.0), ["c must", "-1.0"]),
        (dict(c=NAN), ["c must", "nan"]),
        (dict(c=INF), ["c must", "inf"]),
        (dict(c="1"), ["c must", "'1'"]),
        (dict(c=True), ["c must", "True"]),
        (dict(m=0), ["m must", "0"]),
        (dict(m=-1.0), ["m must", "-1.0"]),
        (dict(m=NAN), ["m must", "nan"]),
        (dict(m=None), ["m must", "None"]),
        (dict(form="nope"), ["form", "'nope'"]),
        (dict(metric="dense", form="per_coordinate"), ["per_coordinate", "metric='diag'"]),
        (dict(metric="nope", form="isotropic"), ["metric='nope'"]),
        (dict(speed_limited_target=0), ["speed_limited_target", "0"]),
        (dict(speed_limited_target=1.5), ["speed_limited_target", "1.5"]),
        (dict(adapt_c=1), ["adapt_c", "1"]),
        (dict(kinetic="gaussian"), ["kinetic="]),
        (dict(scaling=np.ones(2)), ["scaling="]),
        (dict(potential=object()), ["potential="]),
    ],
)
def test_relativistic_steps_refuse(model_a, cls, kwargs, words):
    with pytest.raises(ValueError, match=named(*words)):
        cls(model=model_a, **kwargs)


@pytest.mark.parametrize("cls", STEPS)
def test_step_built_on_one_model_refused_on_another(model_a, model_b, cls):
    """PyMC refuses it (the step's value variables are not model_b's), for ours as for its NUTS.

    model_b even has a variable ``x`` of the same shape: the check is by identity.
    """
    step = cls(model=model_a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=named("x", "not a value variable in the model")):
            pm.sample(draws=5, tune=0, chains=1, model=model_b, step=step, progressbar=False)


# ---------------------------------------------------------------------------
# compare, examples
# ---------------------------------------------------------------------------

RUN = dict(draws=10, tune=0, chains=1, progressbar=False)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(draws=0), ["draws", "0"]),
        (dict(draws=-1), ["draws", "-1"]),
        (dict(draws=10.5), ["draws", "10.5"]),
        (dict(draws=True), ["draws", "True"]),
        (dict(tune=-1), ["tune", "-1"]),
        (dict(tune=1.5), ["tune", "1.5"]),
        (dict(chains=0), ["chains", "0"]),
        (dict(chains=-2), ["chains", "-2"]),
        (dict(chains=2.0), ["chains", "2.0"]),
        (dict(cores=0), ["cores", "0"]),
        (dict(random_seed=-1), ["random_seed", "-1"]),
        (dict(random_seed=1.5), ["random_seed", "1.5"]),
        (dict(samplers={"a": "nope"}), ["unknown sampler", "'nope'", "hmc"]),
        (dict(samplers={"a": "hmc:nope"}), ["unknown integrator", "'nope'", "bcss2"]),
        (dict(samplers={"a": "hmc:euler"}), ["'euler'", "symplectic"]),
        (dict(samplers={"a": "pymc-nuts:bcss2"}), ["pymc-nuts", "takes no integrator"]),
        (dict(samplers={"a": (SymplecticHMC, 3)}), ["tuple sampler spec"]),
        (dict(samplers=3), ["samplers", "3"]),
        (dict(samplers={"nuts (PyMC)": "hmc"}), ["reserved"]),
        (dict(initvals=[{}, {}]), ["initvals", "1"]),
    ],
)
def test_compare_refuses(model_a, kwargs, words):
    with pytest.raises(ValueError, match=named(*words)):
        compare(model_a, **(RUN | kwargs))


@pytest.mark.parametrize(
    "model, words",
    [
        ("nope", ["Unknown example model", "'nope'", "funnel"]),
        (3, ["model", "3"]),
        (None, ["model", "None"]),
    ],
)
def test_compare_refuses_model(model, words):
    with pytest.raises(ValueError, match=named(*words)):
        compare(model, **RUN)


def test_compare_refuses_empty_model(empty_model):
    with pytest.raises(ValueError, match="free random variables"):
        compare(empty_model, **RUN)


@xfail(
    "compare(jitter=...) is not validated: -1 gives numpy's 'high - low < 0', nan an "
    "OverflowError, both after compiling the model's logp"
)
@pytest.mark.parametrize("jitter", [-1.0, NAN])
def test_compare_refuses_jitter(model_a, jitter):
    with pytest.raises(ValueError, match="jitter"):
        compare(model_a, **RUN, jitter=jitter)


@pytest.mark.parametrize("name", ["nope", None, [], ""])
def test_examples_get_refuses(name):
    with pytest.raises(ValueError, match=named("Unknown example model", repr(name))):
        examples.get(name)


@pytest.mark.parametrize(
    "name, kwargs, exc, words",
    [
        ("funnel", dict(dim=0), ValueError, ["dim", "0"]),
        ("funnel", dict(dim=2.5), ValueError, ["dim", "2.5"]),
        ("funnel", dict(dim=True), ValueError, ["dim", "True"]),
        ("funnel", dict(nope=1), TypeError, ["nope"]),
        ("logistic_regression", dict(n_obs=NAN), ValueError, ["n_obs", "nan"]),
        ("logistic_regression", dict(n_predictors=0), ValueError, ["n_predictors", "0"]),
        ("ill_conditioned_gaussian", dict(condition_number=0.5), ValueError, ["condition_number"]),
        ("ill_conditioned_gaussian", dict(condition_number=INF), ValueError, ["condition_number"]),
        ("radon_varying_intercepts", dict(n_obs=1), ValueError, ["n_obs", "1"]),
        ("student_t_regression", dict(nu=-1.0), ValueError, ["nu", "-1.0"]),
        ("stochastic_volatility", dict(n_steps=1.5), ValueError, ["n_steps", "1.5"]),
    ],
)
def test_example_builders_refuse(name, kwargs, exc, words):
    with pytest.raises(exc, match=named(*words)):
        examples.get(name).build(**kwargs)


# ---------------------------------------------------------------------------
# diagnostics
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step_sizes, words",
    [
        ([0.1], ["step_sizes", "at least two"]),
        ([], ["step_sizes", "at least two"]),
        (None, ["step_sizes", "None"]),
        ([0.1, 0.0], ["step_sizes", "positive"]),
        ([0.1, -0.1], ["step_sizes", "positive"]),
        ([0.1, NAN], ["step_sizes", "nan"]),
        ([0.1, INF], ["step_sizes", "inf"]),
    ],
)
def test_energy_error_curve_refuses_step_sizes(model_a, step_sizes, words):
    with pytest.raises(ValueError, match=named(*words)):
        diagnostics.energy_error_curve(model_a, "leapfrog", step_sizes, n_points=2)


@pytest.mark.parametrize("integration_time", [0, -1.0, NAN, INF])
def test_energy_error_curve_refuses_integration_time(model_a, integration_time):
    with pytest.raises(ValueError, match=named("integration_time", repr(integration_time))):
        diagnostics.energy_error_curve(
            model_a, "leapfrog", [0.1, 0.05], integration_time=integration_time
        )


def test_energy_error_curve_refuses_integrator_and_kinetic(model_a):
    with pytest.raises(ValueError, match=named("Unknown integrator", "'nope'")):
        diagnostics.energy_error_curve(model_a, "nope", [0.1, 0.05])
    with pytest.raises(ValueError, match=named("kinetic", "dimension 3")):
        diagnostics.energy_error_curve(
            model_a, "leapfrog", [0.1, 0.05], kinetic=GaussianKinetic.identity(3)
        )


@xfail(
    "energy_error_curve: n_points=0 returns a NaN slope silently, n_points=-1 raises numpy's "
    "'negative dimensions are not allowed', n_points=2.5 is truncated, integration_time=True "
    "is accepted, step_sizes='ab' raises 'could not convert string to float'"
)
@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(n_points=0), "n_points"),
        (dict(n_points=-1), "n_points"),
        (dict(n_points=2.5), "n_points"),
        (dict(integration_time=True), "integration_time"),
        (dict(step_sizes="ab"), "step_sizes"),
    ],
)
def test_energy_error_curve_refuses_counts(model_a, kwargs, word):
    args = dict(step_sizes=[0.1, 0.05], n_points=2) | kwargs
    with pytest.raises(ValueError, match=word):
        diagnostics.energy_error_curve(model_a, "leapfrog", **args)


@xfail(
    "diagnostics on a non-model or an empty model: model=3 raises AttributeError "
    "(no 'logp_dlogp_function'); pm.Model() raises 'Cannot join an empty list of tensors'"
)
@pytest.mark.parametrize("which", ["not-a-model", "empty"])
@pytest.mark.parametrize("function", ["energy_error_curve", "symplecticity_check"])
def test_diagnostics_refuse_bad_models(empty_model, which, function):
    model = 3 if which == "not-a-model" else empty_model
    fn = getattr(diagnostics, function)
    args = ([0.1, 0.05],) if function == "energy_error_curve" else ()
    with pytest.raises(ERRORS, match="model|free"):
        fn(model, "leapfrog", *args)


@pytest.mark.parametrize("step_size", [0, -0.1, NAN, INF, "0.1", None, True])
def test_symplecticity_check_refuses_step_size(model_a, step_size):
    with pytest.raises(ValueError, match=named("step_size", repr(step_size))):
        diagnostics.symplecticity_check(model_a, "leapfrog", step_size=step_size)


@pytest.mark.parametrize("n_steps", [0, -1, 2.5])
def test_symplecticity_check_refuses_n_steps(model_a, n_steps):
    with pytest.raises(ValueError, match=named("n_steps", repr(n_steps))):
        diagnostics.symplecticity_check(model_a, "leapfrog", n_steps=n_steps)


@xfail(
    "fd_step is not validated: symplecticity_check(fd_step=0) returns NaN and "
    "step_map_jacobian(fd_step=0) an all-inf Jacobian; fd_step=nan blames 'q0 must be finite'; "
    "a wrong-length momentum raises a numpy broadcast error"
)
@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(fd_step=0.0), "fd_step"),
        (dict(fd_step=NAN), "fd_step"),
        (dict(momentum=[1.0, 2.0, 3.0]), "momentum"),
    ],
)
def test_symplecticity_check_refuses_fd_step_and_momentum(model_a, kwargs, word):
    with pytest.raises(ValueError, match=word):
        diagnostics.symplecticity_check(model_a, "leapfrog", **kwargs)


@xfail("step_map_jacobian(fd_step=0) divides by zero and returns an inf/nan Jacobian")
def test_step_map_jacobian_refuses_fd_step(oscillator):
    with pytest.raises(ValueError, match="fd_step"):
        diagnostics.step_map_jacobian(oscillator, "leapfrog", [1.0], [0.0], 0.1, fd_step=0.0)


def test_step_map_jacobian_refuses_step_size(oscillator):
    with pytest.raises(ValueError, match=named("step_size", "0")):
        diagnostics.step_map_jacobian(oscillator, "leapfrog", [1.0], [0.0], 0.0)


def test_unconstrained_points_refuses_wrong_width(model_a):
    with pytest.raises(ValueError, match=named("points", "(n, 2)", "(1, 3)")):
        diagnostics.unconstrained_points(model_a, np.zeros((1, 3)))


@xfail(
    "unconstrained_points: jitter=nan raises numpy's OverflowError and n_points=-1 "
    "'negative dimensions are not allowed', neither naming the parameter"
)
@pytest.mark.parametrize(
    "kwargs, word", [(dict(jitter=NAN), "jitter"), (dict(n_points=-1), "n_points")]
)
def test_unconstrained_points_refuses_jitter_and_n_points(model_a, kwargs, word):
    with pytest.raises(ValueError, match=word):
        diagnostics.unconstrained_points(model_a, None, **kwargs)


@xfail(
    "gradient_evaluations/ess_per_gradient(None) raise \"'NoneType' object is not "
    "subscriptable\"; group='nope' raises a bare KeyError"
)
@pytest.mark.parametrize(
    "call",
    [
        lambda: diagnostics.gradient_evaluations(None),
        lambda: diagnostics.ess_per_gradient(None),
        lambda: diagnostics.gradient_evaluations({"sample_stats": {}}, group="nope"),
    ],
    ids=["grad-none", "ess-none", "bad-group"],
)
def test_efficiency_refuses_non_datatree(call):
    with pytest.raises(ERRORS, match="idata|group"):
        call()
