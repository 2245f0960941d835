"""Every registered integrator's declared order, symplecticity and symmetry, proven.

Each test is parametrised over the registry, so a newly registered scheme is
covered by being registered.
"""

import numpy as np
import pytest
from conftest import (
    ALL_INTEGRATORS,
    NOT_SYMMETRIC,
    NOT_SYMPLECTIC,
    SYMMETRIC,
    SYMPLECTIC,
    coupled_quartic,
)

from pymc_symplectic import integrators
from pymc_symplectic.dynamics import simulate
from pymc_symplectic.testing import HarmonicOscillator, Pendulum

FINAL_TIME = 2.0
# Step counts per declared order: the errors stay in the asymptotic regime and
# above round-off (below 1e-14 for these short runs) for every registered method.
STEP_COUNTS = {
    1: [64, 128, 256, 512, 1024],
    2: [16, 32, 64, 128, 256],
    3: [16, 32, 64, 128],
    4: [16, 32, 64, 128],
    6: [6, 8, 12, 16, 24],
    8: [11, 16, 22, 32],
}


def global_error(name: str, problem: str, n_steps: int) -> float:
    h = FINAL_TIME / n_steps
    if problem == "oscillator":
        system = HarmonicOscillator()
        traj = simulate(name, system.hamiltonian, [1.0], [0.5], h, n_steps)
        q_exact, p_exact = system.exact(1.0, 0.5, FINAL_TIME)
    else:
        system = Pendulum()
        traj = simulate(name, system.hamiltonian, [1.5], [0.0], h, n_steps)
        q_exact, p_exact = system.exact(1.5, FINAL_TIME)
    return max(abs(traj.q[-1, 0] - q_exact), abs(traj.p[-1, 0] - p_exact))


@pytest.mark.parametrize("problem", ["oscillator", "pendulum"])
@pytest.mark.parametrize("name", ALL_INTEGRATORS)
def test_empirical_order_matches_declared_order(name, problem):
    """Slope of log(global error) against log(h) is within 0.3 of the declared order.

    The references are exact: the oscillator's closed form and the pendulum's
    Jacobi-elliptic solution. This is the test that catches a wrong coefficient.
    """
    order = integrators.get(name).order
    n_steps = np.array(STEP_COUNTS[order])
    errors = np.array([global_error(name, problem, n) for n in n_steps])
    assert np.all(errors > 5e-14), f"errors reach round-off: {errors}"
    slope = np.polyfit(np.log(FINAL_TIME / n_steps), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.3, f"{name}: measured order {slope:.2f}, declared {order}"


def flow_jacobian(name: str, z0: np.ndarray, step_size: float, n_steps: int) -> np.ndarray:
    """Jacobian of (q0, p0) -> (q_n, p_n) by fourth-order central differences.

    Truncation error ~ eps^4 = 1e-12 and round-off ~ 1e-16 / eps = 1e-13.
    """
    system = coupled_quartic()
    d = z0.size // 2

    def flow(z):
        traj = simulate(name, system, z[:d], z[d:], step_size, n_steps)
        return np.concatenate([traj.q[-1], traj.p[-1]])

    eps = 1e-3
    columns = []
    for i in range(z0.size):
        e = np.zeros_like(z0)
        e[i] = eps
        columns.append(
            (-flow(z0 + 2 * e) + 8 * flow(z0 + e) - 8 * flow(z0 - e) + flow(z0 - 2 * e))
            / (12 * eps)
        )
    return np.column_stack(columns)


def symplecticity_defect(name: str) -> float:
    z0 = np.array([0.7, -0.4, 0.3, 0.9])
    psi = flow_jacobian(name, z0, step_size=0.2, n_steps=5)
    d = 2
    J = np.block([[np.zeros((d, d)), np.eye(d)], [-np.eye(d), np.zeros((d, d))]])
    return float(np.max(np.abs(psi.T @ J @ psi - J)))


@pytest.mark.parametrize("name", SYMPLECTIC)
def test_symplectic_schemes_preserve_the_symplectic_form(name):
    assert symplecticity_defect(name) < 1e-8


@pytest.mark.parametrize("name", NOT_SYMPLECTIC)
def test_non_symplectic_schemes_visibly_violate_it(name):
    assert symplecticity_defect(name) > 1e-5


def reversal_error(name: str, n_steps: int = 50, step_size: float = 0.1) -> float:
    """Integrate forward, flip the momentum, integrate again, flip: distance to the start."""
    system = coupled_quartic()
    q0, p0 = np.array([0.7, -0.4]), np.array([0.3, 0.9])
    forward = simulate(name, system, q0, p0, step_size, n_steps)
    back = simulate(name, system, forward.q[-1], -forward.p[-1], step_size, n_steps)
    return float(max(np.max(np.abs(back.q[-1] - q0)), np.max(np.abs(-back.p[-1] - p0))))


@pytest.mark.parametrize("name", SYMMETRIC)
def test_symmetric_schemes_are_reversible(name):
    assert reversal_error(name) < 1e-10


@pytest.mark.parametrize("name", NOT_SYMMETRIC)
def test_non_symmetric_schemes_are_visibly_irreversible(name):
    assert reversal_error(name) > 1e-6


@pytest.mark.parametrize("name", SYMMETRIC)
def test_negative_step_undoes_a_step(name, quartic):
    """PyMC's NUTS integrates backward with a negative step size."""
    method = integrators.get(name)
    start = quartic.state(np.array([0.7, -0.4]), np.array([0.3, 0.9]))
    there = method.step(quartic, start, 0.15)
    back = method.step(quartic, there, -0.15)
    np.testing.assert_allclose(back.q, start.q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(back.p, start.p, rtol=0, atol=1e-12)


LONG_RUN_STEPS = 100_000
LONG_RUN_STEP_SIZE = 0.05


@pytest.fixture(scope="module")
def long_runs():
    """|H(t) - H(0)| over 10^5 steps of the harmonic oscillator, per integrator."""
    system = HarmonicOscillator()
    cache = {}

    def run(name):
        if name not in cache:
            traj = simulate(
                name, system.hamiltonian, [1.0], [0.0], LONG_RUN_STEP_SIZE, LONG_RUN_STEPS
            )
            cache[name] = np.abs(traj.energy_error)
        return cache[name]

    return run


@pytest.mark.parametrize("name", SYMPLECTIC)
def test_symplectic_energy_error_stays_bounded(name, long_runs):
    """The error of the last 90% of the run never exceeds twice that of the first 10%.

    A symplectic scheme conserves a modified Hamiltonian, so |dH| oscillates with
    a bounded amplitude; 1e-12 absorbs the random walk of round-off.
    """
    error = long_runs(name)
    early = error[: LONG_RUN_STEPS // 10].max()
    assert error.max() <= 2 * early + 1e-12


@pytest.mark.parametrize("name", sorted({"euler", "rk4", *NOT_SYMPLECTIC}))
def test_non_symplectic_energy_error_grows(name, long_runs):
    """The energy drifts: |dH| at the end is over 5 times |dH| after 1% of the run
    (Euler's energy grows, RK4's decays steadily), or the energy is entirely lost
    (backward Euler dissipates it within a few hundred steps)."""
    error = long_runs(name)
    initial_energy = 0.5
    assert error[-1] > 5 * error[LONG_RUN_STEPS // 100] or error[-1] > 0.9 * initial_energy
    assert error[-1] > 1e-8


SPLITTING = [n for n in ALL_INTEGRATORS if hasattr(integrators.get(n), "stability_limit")]


def test_known_stability_limits():
    """Leapfrog's limit is 2; BCSS (2014) give 2.63 and 4.66 for their 2- and 3-stage
    schemes; the triple jump's negative sub-step shrinks Forest–Ruth's to 1.57."""
    expected = {"leapfrog": 2.0, "bcss2": 2.632, "bcss3": 4.662, "forest_ruth": 1.5741}
    for name, limit in expected.items():
        assert integrators.get(name).stability_limit == pytest.approx(limit, abs=2e-3)


@pytest.mark.parametrize("name", SPLITTING)
def test_stability_limit_separates_bounded_from_exploding_runs(name):
    """Independent of the matrix analysis: 2000 steps of the oscillator stay bounded just
    below the limit and explode at it. (Some schemes are stable again past a narrow
    unstable gap, as omelyan4 near h = pi, so the check is made at the limit itself.)"""
    method = integrators.get(name)
    limit = method.stability_limit
    assert limit <= 2 * method.n_stages + 1e-3
    system = HarmonicOscillator().hamiltonian

    def amplitude(h):
        with np.errstate(over="ignore", invalid="ignore"):
            traj = simulate(name, system, [1.0], [0.0], h, 2000)
        return np.nanmax(np.abs(traj.q))

    assert amplitude(0.99 * limit) < 100
    assert amplitude(limit) > 1e3
