"""simulate(): shapes, cost accounting, no mutation, bad input."""

import numpy as np
import pytest
from conftest import ALL_INTEGRATORS

from pymc_symplectic import integrators
from pymc_symplectic.dynamics import Hamiltonian, simulate
from pymc_symplectic.errors import ConvergenceError, IntegrationError
from pymc_symplectic.kinetic import GaussianKinetic
from pymc_symplectic.testing import HarmonicOscillator


@pytest.mark.parametrize("name", ALL_INTEGRATORS)
def test_trajectory_shapes_and_start(name, quartic):
    traj = simulate(name, quartic, [0.7, -0.4], [0.3, 0.9], step_size=0.05, n_steps=7)
    assert traj.q.shape == traj.p.shape == (8, 2)
    assert traj.energy.shape == traj.time.shape == (8,)
    np.testing.assert_array_equal(traj.q[0], [0.7, -0.4])
    assert traj.energy[0] == pytest.approx(quartic.energy(np.array([0.7, -0.4]), [0.3, 0.9]))
    assert traj.time[-1] == pytest.approx(0.35)
    assert traj.integrator == name


@pytest.mark.parametrize(
    "name", [n for n in ALL_INTEGRATORS if integrators.get(n).explicit and n != "adams_bashforth4"]
)
def test_gradient_evaluations_match_declared_cost(name, quartic):
    n_steps = 13
    traj = simulate(name, quartic, [0.7, -0.4], [0.3, 0.9], step_size=0.05, n_steps=n_steps)
    assert traj.n_grad_evals == 1 + n_steps * integrators.get(name).grad_evals_per_step


def test_adams_bashforth_costs_one_evaluation_after_its_rk4_start(quartic):
    traj = simulate("adams_bashforth4", quartic, [0.7, -0.4], [0.3, 0.9], 0.05, 13)
    assert traj.n_grad_evals == 1 + 3 * 4 + 10 * 1


def test_adams_bashforth_restarts_when_the_step_size_changes(quartic):
    method = integrators.get("adams_bashforth4")
    state = quartic.state(np.array([0.7, -0.4]), np.array([0.3, 0.9]))
    for _ in range(5):
        state = method.step(quartic, state, 0.05)
    assert len(state.aux[1]) == 3
    restarted = method.step(quartic, state, 0.02)
    rk4 = integrators.get("rk4").step(quartic, state, 0.02)
    np.testing.assert_array_equal(restarted.q, rk4.q)


@pytest.mark.parametrize("name", ALL_INTEGRATORS)
def test_step_never_writes_into_its_input(name, quartic):
    q, p = np.array([0.7, -0.4]), np.array([0.3, 0.9])
    state = quartic.state(q, p)
    for array in (state.q, state.p, state.velocity, state.grad):
        array.flags.writeable = False
    method = integrators.get(name)
    new = method.step(quartic, state, 0.05)
    for _ in range(4):  # multistep methods use their history from the 4th step on
        new = method.step(quartic, new, 0.05)
    np.testing.assert_array_equal(state.q, [0.7, -0.4])
    np.testing.assert_array_equal(state.p, [0.3, 0.9])
    assert new.q is not state.q


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_implicit_solver_failure_is_a_clear_error():
    """Fixed-point iteration diverges when h * stiffness is large."""
    stiff = HarmonicOscillator(stiffness=1e4).hamiltonian
    with pytest.raises(ConvergenceError, match="did not converge.*step_size=1.0"):
        simulate("implicit_midpoint", stiff, [1.0], [0.0], step_size=1.0, n_steps=1)
    assert issubclass(ConvergenceError, IntegrationError)


def test_hamiltonian_from_potential_and_from_log_density_agree():
    kinetic = GaussianKinetic([2.0])
    a = Hamiltonian(lambda q: float(q @ q), lambda q: 2 * q, kinetic)
    b = Hamiltonian.from_log_density(lambda q: (-float(q @ q), -2 * q), kinetic)
    q, p = np.array([0.3]), np.array([1.1])
    assert a.energy(q, p) == pytest.approx(b.energy(q, p)) == pytest.approx(0.09 + 1.21)
    np.testing.assert_allclose(a.state(q, p).grad, b.state(q, p).grad)


OSC = HarmonicOscillator().hamiltonian


@pytest.mark.parametrize("step_size", [0, -0.1, float("nan"), float("inf"), "0.1", True, None])
def test_bad_step_size(step_size):
    with pytest.raises(
        ValueError, match=f"step_size must be a positive finite number, got {step_size!r}"
    ):
        simulate("leapfrog", OSC, [1.0], [0.0], step_size, 10)


@pytest.mark.parametrize("n_steps", [0, -3, 2.5, True, "10"])
def test_bad_n_steps(n_steps):
    with pytest.raises(ValueError, match=f"n_steps must be an integer >= 1, got {n_steps!r}"):
        simulate("leapfrog", OSC, [1.0], [0.0], 0.1, n_steps)


def test_mismatched_shapes(quartic):
    with pytest.raises(
        ValueError, match=r"q0 and p0 must have the same shape, got \(2,\) and \(3,\)"
    ):
        simulate("leapfrog", quartic, [1.0, 2.0], [0.0, 0.0, 0.0], 0.1, 10)
    with pytest.raises(
        ValueError, match="q0 has 1 coordinates but the kinetic energy has dimension 2"
    ):
        simulate("leapfrog", quartic, [1.0], [0.0], 0.1, 10)


@pytest.mark.parametrize(
    ("q0", "message"),
    [
        ([np.nan], "q0 must be finite"),
        ([[1.0]], "q0 must be a non-empty 1-d array"),
        ("x", "q0 must be a numeric array"),
    ],
)
def test_bad_initial_point(q0, message):
    with pytest.raises(ValueError, match=message):
        simulate("leapfrog", OSC, q0, [0.0], 0.1, 10)


def test_unknown_integrator_and_wrong_types():
    with pytest.raises(ValueError, match="Unknown integrator 'yoshida5'.*leapfrog"):
        simulate("yoshida5", OSC, [1.0], [0.0], 0.1, 10)
    with pytest.raises(TypeError, match="integrator must be a registered name or an Integrator"):
        simulate(3, OSC, [1.0], [0.0], 0.1, 10)
    with pytest.raises(TypeError, match="hamiltonian must be a Hamiltonian"):
        simulate("leapfrog", lambda q: q, [1.0], [0.0], 0.1, 10)
    with pytest.raises(TypeError, match="kinetic must be a KineticEnergy"):
        Hamiltonian(lambda q: 0.0, lambda q: q, kinetic=np.eye(1))
