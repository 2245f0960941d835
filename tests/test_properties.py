"""Property-based tests (hypothesis) of the numerical core over random valid and invalid input.

Derandomized, so CI sees the same examples on every run.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pymc_symplectic import integrators
from pymc_symplectic.dynamics import Hamiltonian, simulate
from pymc_symplectic.integrators import SplittingIntegrator
from pymc_symplectic.kinetic import (
    DenseMetric,
    DiagonalMetric,
    GaussianKinetic,
    RelativisticKinetic,
)

FAST = settings(derandomize=True, max_examples=200, deadline=None)
SLOW = settings(derandomize=True, max_examples=100, deadline=None)

# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

# Non-zero coefficients bounded away from 0, both signs (negative sub-steps are legal).
coefficient = st.one_of(st.floats(0.05, 2.0), st.floats(-2.0, -0.05))
first = st.sampled_from(["kick", "drift"])


def _normalise(raw: list[float], first_kind: str) -> tuple[float, ...] | None:
    """Scale kicks and drifts (alternating, starting with ``first_kind``) to sum 1 each."""
    kick_first = first_kind == "kick"
    kicks = [c for i, c in enumerate(raw) if (i % 2 == 0) == kick_first]
    drifts = [c for i, c in enumerate(raw) if (i % 2 == 0) != kick_first]
    sk, sd = sum(kicks), sum(drifts)
    if abs(sk) < 0.2 or abs(sd) < 0.2:
        return None
    out = tuple(c / (sk if (i % 2 == 0) == kick_first else sd) for i, c in enumerate(raw))
    return out if max(abs(c) for c in out) <= 6.0 else None


@st.composite
def palindromes(draw):
    """A palindromic table of odd length 3..9, kicks and drifts each summing to 1."""
    s = draw(st.integers(1, 4))
    half = draw(st.lists(coefficient, min_size=s + 1, max_size=s + 1))
    kind = draw(first)
    table = _normalise(half + half[-2::-1], kind)
    assume(table is not None)
    return table, kind


@st.composite
def non_palindromes(draw):
    """A consistent (sums 1) table of length 3..9 that does not read the same both ways."""
    n = draw(st.integers(3, 9))
    raw = draw(st.lists(coefficient, min_size=n, max_size=n))
    kind = draw(first)
    table = _normalise(raw, kind)
    assume(table is not None)
    assume(max(abs(a - b) for a, b in zip(table, table[::-1], strict=True)) > 1e-6)
    return table, kind


@st.composite
def spd_matrices(draw, d: int, lo: float = 1e-3, hi: float = 1e3):
    """A symmetric positive-definite d x d matrix with eigenvalues in [lo, hi]."""
    eig = draw(hnp.arrays(float, d, elements=st.floats(lo, hi)))
    a = draw(hnp.arrays(float, (d, d), elements=st.floats(-1, 1)))
    q, r = np.linalg.qr(a + 3 * np.eye(d))
    matrix = (q * eig) @ q.T
    return 0.5 * (matrix + matrix.T)


def kick_matrix(a_h: float, hess: np.ndarray) -> np.ndarray:
    d = hess.shape[0]
    m = np.eye(2 * d)
    m[d:, :d] = -a_h * hess  # p <- p - a h A q
    return m


def drift_matrix(b_h: float, inv_mass: np.ndarray) -> np.ndarray:
    d = inv_mass.shape[0]
    m = np.eye(2 * d)
    m[:d, d:] = b_h * inv_mass  # q <- q + b h M^-1 p
    return m


def quadratic(hess: np.ndarray, inv_mass: np.ndarray) -> Hamiltonian:
    return Hamiltonian(lambda q: 0.5 * q @ hess @ q, lambda q: hess @ q, GaussianKinetic(inv_mass))


def step_matrix(method, ham: Hamiltonian, d: int, h: float) -> np.ndarray:
    """The Jacobian of one step on a quadratic H: the step is linear, so it maps basis vectors."""
    columns = []
    for k in range(2 * d):
        z = np.zeros(2 * d)
        z[k] = 1.0
        out = method.step(ham, ham.state(z[:d], z[d:]), h)
        columns.append(np.concatenate([out.q, out.p]))
    return np.array(columns).T


def J(d: int) -> np.ndarray:
    return np.block([[np.zeros((d, d)), np.eye(d)], [-np.eye(d), np.zeros((d, d))]])


# ---------------------------------------------------------------------------
# Splitting integrators
# ---------------------------------------------------------------------------


@FAST
@given(
    palindromes(),
    st.integers(1, 3),
    st.floats(0.01, 0.3),
    st.data(),
)
def test_random_palindrome_is_symplectic_and_reversible(table_kind, d, h, data):
    table, kind = table_kind
    method = SplittingIntegrator("random", table, order=2, reference="test", first=kind)
    assert method.symmetric and method.symplectic
    hess = data.draw(spd_matrices(d, 0.1, 3.0))
    inv_mass = data.draw(spd_matrices(d, 0.1, 3.0))
    ham = quadratic(hess, inv_mass)

    psi = step_matrix(method, ham, d, h)
    # The exact Jacobian: the product of the kick and drift matrices, applied left to right.
    expected = np.eye(2 * d)
    for i, c in enumerate(table):
        is_kick = (i % 2 == 0) == (kind == "kick")
        op = kick_matrix(c * h, hess) if is_kick else drift_matrix(c * h, inv_mass)
        expected = op @ expected
    scale = max(1.0, float(np.abs(psi).max()))
    np.testing.assert_allclose(psi, expected, rtol=1e-10, atol=1e-12 * scale)
    # Symplectic: psi^T J psi = J, and so det = 1.
    np.testing.assert_allclose(psi.T @ J(d) @ psi, J(d), atol=1e-10 * scale**2)
    assert np.linalg.det(psi) == pytest.approx(1.0, rel=1e-8 * scale ** (2 * d))
    # Reversible: a step of -h undoes a step of h (as a matrix and on a state).
    psi_back = step_matrix(method, ham, d, -h)
    np.testing.assert_allclose(psi_back @ psi, np.eye(2 * d), atol=1e-9 * scale**2)
    q0 = data.draw(hnp.arrays(float, d, elements=st.floats(-2, 2)))
    p0 = data.draw(hnp.arrays(float, d, elements=st.floats(-2, 2)))
    start = ham.state(q0, p0)
    back = method.step(ham, method.step(ham, start, h), -h)
    np.testing.assert_allclose(back.q, q0, atol=1e-9 * scale)
    np.testing.assert_allclose(back.p, p0, atol=1e-9 * scale)


@FAST
@given(palindromes(), st.floats(0.01, 0.3))
def test_random_palindrome_oscillator_det_one(table_kind, h):
    """The 2x2 one-step matrix on H = (q^2 + p^2)/2 has determinant 1 (and the stability trace)."""
    table, kind = table_kind
    method = SplittingIntegrator("random", table, order=2, reference="test", first=kind)
    ham = quadratic(np.eye(1), np.ones(1))
    m = step_matrix(method, ham, 1, h)
    assert np.linalg.det(m) == pytest.approx(1.0, abs=1e-10 * max(1.0, np.abs(m).max()) ** 2)
    # A palindromic (symmetric) map on the oscillator has equal diagonal entries.
    assert m[0, 0] == pytest.approx(m[1, 1], abs=1e-10 * max(1.0, np.abs(m).max()))


@FAST
@given(non_palindromes())
def test_random_non_palindrome_declared_symmetric_is_refused(table_kind):
    table, kind = table_kind
    with pytest.raises(ValueError, match="palindrome"):
        SplittingIntegrator("bad", table, order=1, reference="t", first=kind, symmetric=True)
    # The same table declared non-symmetric is a valid (symplectic) method.
    method = SplittingIntegrator("ok", table, order=1, reference="t", first=kind, symmetric=False)
    assert method.symplectic and not method.hmc_valid


@FAST
@given(
    st.lists(coefficient, min_size=2, max_size=9),
    first,
    st.sampled_from(["kick", "drift"]),
    st.one_of(st.floats(1e-8, 0.5), st.floats(-0.5, -1e-8)),
)
def test_random_tables_whose_sums_differ_from_one_are_refused(raw, kind, which, delta):
    table = _normalise(raw, kind)
    assume(table is not None)
    kick_first = kind == "kick"
    # Add delta to the first coefficient of the chosen kind: its sum becomes 1 + delta.
    index = next(i for i in range(len(table)) if ((i % 2 == 0) == kick_first) == (which == "kick"))
    assume(abs(table[index] + delta) > 1e-12)
    bad = list(table)
    bad[index] += delta
    with pytest.raises(ValueError, match=f"{which} coefficients .* sum to"):
        SplittingIntegrator("bad", tuple(bad), order=1, reference="t", first=kind, symmetric=False)


# ---------------------------------------------------------------------------
# Kinetic energies
# ---------------------------------------------------------------------------


def magnitudes(max_exponent: int):
    """Momentum entries spanning tiny (subnormal) to huge magnitudes, and exact zeros."""
    return st.one_of(
        st.just(0.0),
        st.builds(
            lambda sign, e, f: sign * f * 10.0**e,
            st.sampled_from([-1.0, 1.0]),
            st.integers(-320, max_exponent),
            st.floats(1.0, 9.99),
        ),
    )


# Up to 1e150 the Gaussian K (~|p|^2 M^-1 <= 1e303 * d) is representable. The relativistic
# K (~c |p| sqrt(M^-1)) may overflow to +inf near 1e307, but its velocity stays bounded.
GAUSSIAN_MAX_EXPONENT, RELATIVISTIC_MAX_EXPONENT = 150, 307
positive_scale = st.floats(1e-3, 1e3)
inverse_masses = st.integers(1, 5).flatmap(
    lambda d: hnp.arrays(float, d, elements=st.floats(1e-3, 1e3))
)


def m_norm_diag(v: np.ndarray, inv_mass: np.ndarray) -> float:
    """|v|_M = sqrt(v^T M v), M = diag(1/inv_mass), overflow-safe."""
    y = v / np.sqrt(inv_mass)
    s = float(np.abs(y).max())
    return 0.0 if s == 0 else s * float(np.linalg.norm(y / s))


@st.composite
def kinetic_setups(draw, max_exponent: int | None = None):
    """A metric (diagonal or dense) and a momentum; ``max_exponent=None``: moderate |p| <= 3."""
    inv_mass = draw(inverse_masses)
    d = inv_mass.size
    element = st.floats(-3.0, 3.0) if max_exponent is None else magnitudes(max_exponent)
    p = draw(hnp.arrays(float, d, elements=element))
    dense = draw(st.booleans()) and d > 1
    metric = DenseMetric(draw(spd_matrices(d))) if dense else DiagonalMetric(inv_mass)
    return metric, p


@FAST
@given(kinetic_setups(GAUSSIAN_MAX_EXPONENT))
def test_gaussian_kinetic_energy_and_velocity(setup):
    metric, p = setup
    kinetic = GaussianKinetic(metric)
    energy, v = kinetic.energy_and_velocity(p)
    assert np.all(np.isfinite(v))
    assert energy >= 0.0
    np.testing.assert_array_equal(v, kinetic.velocity(p))
    assert kinetic.energy(p) == energy


@FAST
@given(
    kinetic_setups(RELATIVISTIC_MAX_EXPONENT),
    positive_scale,
    positive_scale,
    st.sampled_from(["isotropic", "per_coordinate"]),
)
def test_relativistic_velocity_bounded_energy_above_rest(setup, c, m, form):
    metric, p = setup
    if form == "per_coordinate" and not metric.is_diagonal:
        form = "isotropic"
    kinetic = RelativisticKinetic(metric, c=c, m=m, form=form)
    with np.errstate(over="ignore"):  # K overflows to +inf near |p| ~ 1e307
        energy, v = kinetic.energy_and_velocity(p)
        np.testing.assert_array_equal(v, kinetic.velocity(p))
        fraction = kinetic.speed_fraction(p)
    assert np.all(np.isfinite(v))
    rest = m * c * c * (kinetic.dim if form == "per_coordinate" else 1)
    assert energy >= rest * (1 - 1e-12)
    if metric.is_diagonal:
        inv = metric.inverse_mass
        if form == "per_coordinate":
            speeds = np.abs(v) / np.sqrt(inv)  # each coordinate's own limit
            assert np.all(speeds <= c * (1 + 1e-12))
        else:
            assert m_norm_diag(v, inv) <= c * (1 + 1e-12)
    else:
        # |v|_M^2 = v^T M v with M = (M^-1)^-1.
        speed = math.sqrt(max(0.0, float(v @ np.linalg.solve(metric.inverse_mass, v))))
        assert speed <= c * (1 + 1e-9)
    assert np.all((fraction >= 0) & (fraction <= 1 + 1e-12))


def _central_difference(energy, p: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    grad = np.empty_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = deltas[i]
        grad[i] = (energy(p + e) - energy(p - e)) / (2 * deltas[i])
    return grad


@FAST
@given(
    kinetic_setups(),
    positive_scale,
    positive_scale,
    st.sampled_from(["gaussian", "isotropic", "per_coordinate"]),
)
def test_velocity_is_the_gradient_of_the_energy(setup, c, m, form):
    metric, p = setup
    if metric.is_diagonal:
        inv = metric.inverse_mass
    else:
        inv = np.full(metric.dim, float(np.linalg.eigvalsh(metric.inverse_mass).max()))
        form = "isotropic" if form == "per_coordinate" else form
    if form == "gaussian":
        kinetic = GaussianKinetic(metric)
        deltas = 1e-3 * (1 + np.abs(p))
        atol = 1e-7 * float(inv.max()) * (1 + float(np.abs(p).max()))
    else:
        kinetic = RelativisticKinetic(metric, c=c, m=m, form=form)
        y = metric.whiten(p)
        # Step a small fraction of the length on which K curves (its "radius" r).
        if form == "per_coordinate":
            r = np.hypot(y, m * c)
        else:
            r = np.full(p.size, math.hypot(float(np.linalg.norm(y)), m * c))
        deltas = 1e-4 * r / np.sqrt(inv)
        atol = 1e-6 * c * float(np.sqrt(inv).max())
    numeric = _central_difference(kinetic.energy, p, deltas)
    np.testing.assert_allclose(kinetic.velocity(p), numeric, rtol=1e-5, atol=atol)


def _exact_gaussian(p: np.ndarray, inverse_mass: np.ndarray):
    """K and v in 80-bit long double (range 1e4932), rounded to float64: inf where they overflow."""
    pl = p.astype(np.longdouble)
    a = np.diag(inverse_mass) if inverse_mass.ndim == 1 else inverse_mass
    vl = a.astype(np.longdouble) @ pl
    with np.errstate(over="ignore"):
        return float(0.5 * (pl @ vl)), vl.astype(float)


def test_gaussian_energy_overflows_to_plus_inf():
    """A dense M^-1 makes the terms p_i (M^-1 p)_i of both signs: their float sum is -inf or nan."""
    kinetic = GaussianKinetic(np.array([[1.0, -0.9], [-0.9, 1.0]]))
    p = np.array([1e25, 1e300])
    with np.errstate(over="ignore", invalid="ignore"):
        energy, v = kinetic.energy_and_velocity(p)
        assert kinetic.energy(p) == energy == math.inf  # the true value, ~5e599
    np.testing.assert_allclose(v, [1e25 - 0.9e300, 1e300 - 0.9e25], rtol=1e-15)


def test_gaussian_velocity_finite_when_a_partial_sum_overflows():
    """M^-1 p = 5e307 (1, 1) is representable although 2e308 (a partial sum) is not."""
    inverse_mass = np.array([[2.0, -1.5], [-1.5, 2.0]])
    kinetic = GaussianKinetic(inverse_mass)
    p = np.array([1e308, 1e308])
    with np.errstate(over="ignore", invalid="ignore"):
        energy, v = kinetic.energy_and_velocity(p)
        np.testing.assert_array_equal(kinetic.velocity(p), v)
    np.testing.assert_allclose(v, [5e307, 5e307], rtol=1e-15)
    assert energy == math.inf  # 0.5 * 1e308 * 1e308


@FAST
@given(kinetic_setups(307))
def test_gaussian_energy_never_nan_or_negative_for_huge_momentum(setup):
    """Up to |p| ~ 1e308: K is its exact value (rounded) or +inf, never -inf or nan."""
    metric, p = setup
    kinetic = GaussianKinetic(metric)
    with np.errstate(over="ignore", invalid="ignore"):
        energy, v = kinetic.energy_and_velocity(p)
        assert kinetic.energy(p) == energy
    exact_energy, exact_v = _exact_gaussian(p, metric.inverse_mass)
    if math.isinf(exact_energy):
        assert energy == math.inf
    else:
        # Round-off of the sum, relative to sum |p_i| |(M^-1)_ij| |p_j| (~1e3 times K).
        assert energy == pytest.approx(exact_energy, rel=1e-9)
    finite = np.isfinite(exact_v)
    # A velocity that is representable is returned (the dense product is rescaled when it
    # overflows); the tolerance is the cancellation in M^-1 p.
    assert np.all(np.isfinite(v[finite]))
    s = max(float(np.abs(p).max()), 1e-300)
    np.testing.assert_allclose(
        v[finite] / s,
        exact_v[finite] / s,
        rtol=1e-12,
        atol=1e-12 * np.abs(metric.inverse_mass).max(),
    )


@pytest.mark.parametrize("form", ["isotropic", "per_coordinate"])
def test_relativistic_velocity_saturates_at_c_for_overflowing_momentum(form):
    """sqrt(M^-1) p = 3e308 overflows: v -> c sqrt(M^-1) (|v|_M -> c), K = +inf."""
    kinetic = RelativisticKinetic(np.array([1e3]), c=1.0, m=1.0, form=form)
    p = np.array([1e307])
    with np.errstate(over="ignore", invalid="ignore"):
        v = kinetic.velocity(p)
        fraction = kinetic.speed_fraction(p)
        energy, v2 = kinetic.energy_and_velocity(p)
        v3, fraction3 = kinetic.velocity_and_speed(-p)
    # |v|_M = v / sqrt(M^-1) -> c: v -> c sqrt(1e3).
    np.testing.assert_allclose(v, [math.sqrt(1e3)], rtol=1e-12)
    np.testing.assert_allclose(fraction, [1.0], rtol=1e-12)
    assert energy == math.inf
    np.testing.assert_array_equal(v2, v)
    np.testing.assert_array_equal(v3, -v)
    np.testing.assert_array_equal(fraction3, fraction)


@FAST
@given(
    st.integers(1, 4).flatmap(
        lambda d: st.tuples(
            spd_matrices(d, 10.0, 1e3),
            hnp.arrays(float, d, elements=st.floats(-1.0, 1.0)),
            st.one_of(st.integers(250, 307).map(lambda e: 10.0**e), st.just(1.5e308)),
        )
    ),
    positive_scale,
    positive_scale,
    st.booleans(),
)
def test_relativistic_velocity_direction_for_huge_momentum(args, c, m, diagonal):
    r"""For |y| >> m c the velocity is c M^-1 p / |y|: speed c along M^-1 p (isotropic form).

    With |p|_inf = 1.5e308 and the eigenvalues of M^-1 >= 10, the whitened momentum y
    overflows (|y|_inf >= sqrt(10 / d) |p|_inf > 1.8e308). The reference is computed
    from p / max|p|, in long double.
    """
    matrix, direction, size = args
    assume(np.abs(direction).max() > 0.1)
    unit = direction / np.abs(direction).max()
    inverse_mass = np.diag(matrix).copy() if diagonal else matrix
    kinetic = RelativisticKinetic(inverse_mass, c=c, m=m, form="isotropic")
    p = unit * size
    with np.errstate(over="ignore", invalid="ignore"):
        energy, v = kinetic.energy_and_velocity(p)
        fraction = kinetic.speed_fraction(p)
    a = np.diag(inverse_mass) if diagonal else inverse_mass
    a_unit = a.astype(np.longdouble) @ unit.astype(np.longdouble)
    expected = (c * a_unit / np.sqrt(unit @ a_unit)).astype(float)
    np.testing.assert_allclose(v, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())
    np.testing.assert_allclose(fraction, [1.0], rtol=1e-12)
    assert energy > 0 and not math.isnan(energy)
    if size > 1e308:
        assert energy == math.inf


invalid_scale = st.one_of(
    st.floats(max_value=0.0, allow_nan=False),
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
)


@FAST
@given(st.sampled_from(["c", "m"]), invalid_scale, st.sampled_from(["isotropic", "per_coordinate"]))
def test_invalid_c_or_m_always_raises(name, value, form):
    with pytest.raises(ValueError, match=f"{name} must be a positive finite number"):
        RelativisticKinetic(np.ones(2), form=form, **{name: value})


@FAST
@given(
    st.integers(1, 5).flatmap(
        lambda d: st.tuples(
            hnp.arrays(float, d, elements=st.floats(1e-3, 1e3)),
            st.integers(0, d - 1),
            st.one_of(
                st.floats(max_value=0.0, allow_nan=False), st.just(math.nan), st.just(math.inf)
            ),
        )
    ),
    st.sampled_from(["gaussian", "isotropic", "per_coordinate"]),
)
def test_invalid_diagonal_inverse_mass_always_raises(args, kind):
    inv, index, bad = args
    inv = inv.copy()
    inv[index] = bad
    make = GaussianKinetic if kind == "gaussian" else lambda im: RelativisticKinetic(im, form=kind)
    with pytest.raises(ValueError, match="inverse_mass must be positive and finite"):
        make(inv)


@FAST
@given(st.integers(2, 4).flatmap(lambda d: spd_matrices(d)), st.data())
def test_invalid_dense_inverse_mass_always_raises(matrix, data):
    d = matrix.shape[0]
    how = data.draw(st.sampled_from(["asymmetric", "indefinite", "non-finite"]))
    bad = matrix.copy()
    if how == "asymmetric":
        i = data.draw(st.integers(1, d - 1))
        bad[i, 0] += data.draw(st.floats(1e-3, 1.0)) * (1 + abs(bad[i, 0]))
        match = "symmetric"
    elif how == "indefinite":
        v = data.draw(hnp.arrays(float, d, elements=st.floats(-1, 1)))
        assume(np.linalg.norm(v) > 0.1)
        v = v / np.linalg.norm(v)
        # Subtract more than the largest eigenvalue along v: v^T bad v < 0.
        bad = bad - (np.linalg.eigvalsh(matrix).max() * 2 + 1) * np.outer(v, v)
        match = "positive definite"
    else:
        i, j = data.draw(st.integers(0, d - 1)), data.draw(st.integers(0, d - 1))
        bad[i, j] = bad[j, i] = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]))
        match = "finite"
    for make in (
        DenseMetric,
        GaussianKinetic,
        lambda im: RelativisticKinetic(im, form="isotropic"),
    ):
        with pytest.raises(ValueError, match=f"inverse_mass must be {match}"):
            make(bad)


# ---------------------------------------------------------------------------
# simulate
# ---------------------------------------------------------------------------

SYMMETRIC_SPLITTING = [
    name
    for name in integrators.available()
    if isinstance(integrators.get(name), SplittingIntegrator) and integrators.get(name).symmetric
]


def anharmonic(d: int, stiffness: np.ndarray, kinetic) -> Hamiltonian:
    """U(q) = sum a_i q_i^2 / 2 + 0.1 sum q_i^4 / 4: smooth, nonlinear, separable."""
    return Hamiltonian(
        lambda q: 0.5 * float(stiffness @ q**2) + 0.025 * float(np.sum(q**4)),
        lambda q: stiffness * q + 0.1 * q**3,
        kinetic,
    )


@SLOW
@given(
    st.sampled_from(SYMMETRIC_SPLITTING),
    st.integers(1, 4).flatmap(
        lambda d: st.tuples(
            hnp.arrays(float, d, elements=st.floats(0.1, 2.0)),
            hnp.arrays(float, d, elements=st.floats(-2.0, 2.0)),
            hnp.arrays(float, d, elements=st.floats(-2.0, 2.0)),
        )
    ),
    st.floats(1e-3, 0.2),
    st.integers(1, 20),
    st.sampled_from(["gaussian", "relativistic"]),
)
def test_simulate_shapes_and_forward_backward(name, arrays, step_size, n_steps, kind):
    stiffness, q0, p0 = arrays
    d = q0.size
    kinetic = (
        GaussianKinetic.identity(d)
        if kind == "gaussian"
        else RelativisticKinetic(np.ones(d), c=2.0, m=1.0, form="isotropic")
    )
    ham = anharmonic(d, stiffness, kinetic)
    method = integrators.get(name)
    run = simulate(name, ham, q0, p0, step_size, n_steps)
    assert run.q.shape == run.p.shape == (n_steps + 1, d)
    assert run.energy.shape == run.time.shape == (n_steps + 1,)
    assert run.integrator == name
    np.testing.assert_array_equal(run.q[0], q0)
    np.testing.assert_array_equal(run.p[0], p0)
    assert run.time[-1] == pytest.approx(n_steps * step_size)
    assert run.n_grad_evals == 1 + n_steps * method.grad_evals_per_step
    assert np.all(np.isfinite(run.energy))
    # Reverse the momentum and run again: a symmetric scheme with an even K retraces its path.
    back = simulate(name, ham, run.q[-1], -run.p[-1], step_size, n_steps)
    scale = 1.0 + float(np.abs(run.q).max() + np.abs(run.p).max())
    np.testing.assert_allclose(back.q[-1], q0, atol=1e-9 * scale)
    np.testing.assert_allclose(-back.p[-1], p0, atol=1e-9 * scale)
    np.testing.assert_allclose(back.q[::-1], run.q, atol=1e-9 * scale)


@SLOW
@given(
    st.sampled_from(integrators.available()),
    st.one_of(
        st.floats(max_value=0.0, allow_nan=False),
        st.just(math.nan),
        st.just(math.inf),
    ),
    st.one_of(st.integers(max_value=0), st.floats(0.5, 10.0).filter(lambda x: x != int(x))),
)
def test_simulate_refuses_random_invalid_step_size_and_n_steps(name, bad_step, bad_n):
    ham = anharmonic(1, np.ones(1), GaussianKinetic.identity(1))
    with pytest.raises(ValueError, match="step_size must be a positive finite number"):
        simulate(name, ham, [0.5], [0.1], bad_step, 3)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        simulate(name, ham, [0.5], [0.1], 0.1, bad_n)
