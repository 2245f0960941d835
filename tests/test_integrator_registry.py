"""The registry's contract: names, metadata, user schemes, refusal of bad tables."""

import math

import numpy as np
import pytest
from conftest import ALL_INTEGRATORS

from pymc_symplectic import integrators
from pymc_symplectic.integrators import SplittingIntegrator

CLASSICAL_TABLE = {
    # name: (order, symplectic, explicit)
    "euler": (1, False, True),
    "symplectic_euler": (1, True, True),
    "leapfrog": (2, True, True),
    "rk4": (4, False, True),
    "forest_ruth": (4, True, True),
    "yoshida6": (6, True, True),
    "heun": (2, False, True),
    "rk3": (3, False, True),
    "implicit_midpoint": (2, True, False),
    "adams_bashforth4": (4, False, True),
    "backward_euler": (1, False, False),
}
HMC_SCHEMES = {
    "position_verlet": 2,
    "mclachlan": 2,
    "bcss2": 2,
    "bcss3": 2,
    "bcss4": 2,
    "pefrl": 4,
    "omelyan4": 4,
    "suzuki4": 4,
    "yoshida8": 8,
}


@pytest.mark.parametrize("name", sorted(CLASSICAL_TABLE))
def test_classical_table_is_registered_with_its_metadata(name):
    method = integrators.get(name)
    order, symplectic, explicit = CLASSICAL_TABLE[name]
    assert (method.order, method.symplectic, method.explicit) == (order, symplectic, explicit)


@pytest.mark.parametrize("name", sorted(HMC_SCHEMES))
def test_hmc_schemes_are_registered_symplectic_and_symmetric(name):
    method = integrators.get(name)
    assert method.order == HMC_SCHEMES[name]
    assert method.symplectic and method.symmetric and method.explicit and method.hmc_valid


def test_symplectic_euler_is_not_symmetric():
    assert not integrators.get("symplectic_euler").symmetric
    assert not integrators.get("symplectic_euler").hmc_valid


@pytest.mark.parametrize("name", ALL_INTEGRATORS)
def test_metadata_types(name):
    method = integrators.get(name)
    assert method.name == name
    assert isinstance(method.order, int) and method.order >= 1
    assert isinstance(method.grad_evals_per_step, int) and method.grad_evals_per_step >= 1
    for flag in ("symplectic", "symmetric", "explicit"):
        assert isinstance(getattr(method, flag), bool)
    assert isinstance(method.reference, str) and len(method.reference) > 10


def test_aliases_resolve_to_the_same_method():
    assert integrators.get("velocity_verlet") is integrators.get("leapfrog")
    assert integrators.get("yoshida4") is integrators.get("forest_ruth")
    assert "yoshida4" not in integrators.available()
    assert integrators.aliases()["yoshida4"] == "forest_ruth"


def test_forest_ruth_is_yoshidas_triple_jump(quartic):
    """One Forest–Ruth step equals three velocity-Verlet steps of theta h, (1 - 2 theta) h,
    theta h with theta = 1 / (2 - 2^(1/3))."""
    theta = 1 / (2 - 2 ** (1 / 3))
    h = 0.3
    start = quartic.state(np.array([0.7, -0.4]), np.array([0.3, 0.9]))
    leapfrog = integrators.get("leapfrog")
    state = start
    for w in (theta, 1 - 2 * theta, theta):
        state = leapfrog.step(quartic, state, w * h)
    fr = integrators.get("yoshida4").step(quartic, start, h)
    np.testing.assert_allclose(fr.q, state.q, rtol=0, atol=1e-14)
    np.testing.assert_allclose(fr.p, state.p, rtol=0, atol=1e-14)
    assert integrators.get("forest_ruth").grad_evals_per_step == 3


def test_bcss2_and_mclachlan_coefficients():
    assert integrators.get("bcss2").coefficients[0] == pytest.approx((3 - math.sqrt(3)) / 6)
    assert integrators.get("mclachlan").coefficients[0] == pytest.approx(0.1931833275037836)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("leapfrog", 1),
        ("position_verlet", 2),
        ("mclachlan", 2),
        ("bcss2", 2),
        ("bcss3", 3),
        ("bcss4", 4),
        ("omelyan4", 5),
        ("pefrl", 5),
        ("forest_ruth", 3),
        ("suzuki4", 5),
        ("yoshida6", 7),
        ("yoshida8", 15),
        ("rk4", 4),
    ],
)
def test_gradient_cost_per_step(name, expected):
    assert integrators.get(name).grad_evals_per_step == expected


def test_unknown_name_lists_registered_names():
    with pytest.raises(ValueError, match="Unknown integrator 'verlet2'.*bcss3.*leapfrog"):
        integrators.get("verlet2")


def test_user_scheme_registration_round_trip():
    scheme = SplittingIntegrator(
        "my_two_stage", (0.2, 0.5, 0.6, 0.5, 0.2), order=2, reference="a test"
    )
    try:
        assert integrators.register(scheme, aliases=("mts",)) is scheme
        assert integrators.get("mts") is scheme
        assert "my_two_stage" in integrators.available()
        with pytest.raises(ValueError, match="already registered"):
            integrators.register(scheme)
    finally:
        integrators.unregister("my_two_stage")
    assert "my_two_stage" not in integrators.available()
    with pytest.raises(ValueError, match="Unknown integrator"):
        integrators.get("mts")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"coefficients": (0.5, 1.0, 0.4)}, "kick coefficients .* sum to 0.9"),
        ({"coefficients": (0.5, 0.9, 0.5)}, "drift coefficients .* sum to 0.9"),
        ({"coefficients": (0.3, 1.0, 0.7)}, "not a palindrome"),
        ({"coefficients": (0.5, 0.5, 0.5, 0.5)}, "not a palindrome"),
        ({"coefficients": (0.5, 1.0, 0.0, 0.0, 0.5)}, r"coefficients\[2\] .* non-zero"),
        ({"coefficients": (0.5, float("nan"), 0.5)}, "finite"),
        ({"coefficients": ("a", 1.0)}, "sequence of numbers"),
        ({"coefficients": (1.0,)}, "at least one kick and one drift"),
        ({"order": 0}, "order of .bad. must be an integer >= 1, got 0"),
        ({"first": "push"}, "first must be 'kick' or 'drift'"),
        ({"name": ""}, "name must be a non-empty string"),
    ],
)
def test_inconsistent_tables_are_refused(kwargs, message):
    arguments = {
        "name": "bad",
        "coefficients": (0.5, 1.0, 0.5),
        "order": 2,
        "reference": "a test",
    } | kwargs
    with pytest.raises(ValueError, match=message):
        SplittingIntegrator(**arguments)


def test_non_symmetric_table_can_be_declared_as_such():
    scheme = SplittingIntegrator("kd", (1.0, 1.0), order=1, reference="t", symmetric=False)
    assert not scheme.hmc_valid and scheme.grad_evals_per_step == 1


def test_a_tableau_declared_symplectic_must_be():
    with pytest.raises(ValueError, match="declared symplectic"):
        integrators.ExplicitRungeKutta(
            "fake", a=[[0, 0], [1, 0]], b=[0.5, 0.5], order=2, reference="t", symplectic=True
        )


def test_register_rejects_non_integrators():
    with pytest.raises(TypeError, match="Integrator instance"):
        integrators.register("leapfrog")
