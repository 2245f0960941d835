"""Relativistic kinetic energy: exact momentum law, velocity, speed bound, bad input.

The reference distribution of the radius r = |p|_M (density proportional to
r^(d-1) exp(-K(r))) is computed here by quadrature on a fine grid, independently
of the GIG mixture the sampler uses.
"""

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from pymc_symplectic.dynamics import simulate
from pymc_symplectic.kinetic import GaussianKinetic, RelativisticKinetic
from pymc_symplectic.testing import HarmonicOscillator


class RadialLaw:
    """Radius law of exp(-c sqrt(r^2 + m^2 c^2)) in d dimensions, by quadrature."""

    def __init__(self, d: int, c: float, m: float):
        def log_density(r):
            kinetic = c * np.sqrt(r * r + (m * c) ** 2)
            if d == 1:
                return -kinetic
            with np.errstate(divide="ignore"):
                return (d - 1) * np.log(r) - kinetic

        # Bracket the mass: walk right until the log density is 60 below its peak.
        coarse = np.geomspace(1e-12, 1e12, 20001)
        values = log_density(coarse)
        peak = values.max()
        upper = coarse[(values > peak - 60) & (coarse > coarse[values.argmax()])].max()
        lower = coarse[(values > peak - 60) & (coarse < coarse[values.argmax()])]
        lower = lower.min() if lower.size and d > 1 else 0.0
        self.grid = np.linspace(lower, upper * 1.01, 400_001)
        density = np.exp(log_density(self.grid) - peak)
        cumulative = scipy.integrate.cumulative_simpson(density, x=self.grid, initial=0)
        self.total = cumulative[-1]
        self.cumulative = cumulative / self.total
        self.density = density / self.total

    def cdf(self, r):
        return np.interp(r, self.grid, self.cumulative)

    def moment(self, k: int) -> float:
        return scipy.integrate.simpson(self.grid**k * self.density, x=self.grid)


CASES = [(d, c) for d in (1, 10, 1000) for c in (0.2, 5.0)]


@pytest.mark.parametrize(("d", "c"), CASES)
def test_isotropic_radius_follows_the_exact_law(d, c):
    """KS test of |p|_M; alpha = 1e-3 per case, 12 cases: family-wise below 1.2%."""
    inverse_mass = np.linspace(0.5, 2.0, d)
    kinetic = RelativisticKinetic(inverse_mass, c=c, m=1.0)
    rng = np.random.default_rng(1000 * d + int(10 * c))
    p = np.array([kinetic.sample(rng) for _ in range(3000)])
    radius = np.sqrt(np.sum(p * p * inverse_mass, axis=1))
    law = RadialLaw(d, c, 1.0)
    assert scipy.stats.kstest(radius, law.cdf).pvalue > 1e-3


@pytest.mark.parametrize("c", [0.2, 5.0])
def test_per_coordinate_components_follow_the_exact_law(c):
    """Each |p_i| / sqrt(M_ii) follows the d = 1 law; coordinates pooled (independent)."""
    inverse_mass = np.array([0.5, 1.0, 4.0])
    kinetic = RelativisticKinetic(inverse_mass, c=c, m=1.0, form="per_coordinate")
    rng = np.random.default_rng(7 + int(10 * c))
    p = np.array([kinetic.sample(rng) for _ in range(2000)])
    pooled = np.abs(p * np.sqrt(inverse_mass)).ravel()
    assert scipy.stats.kstest(pooled, RadialLaw(1, c, 1.0).cdf).pvalue > 1e-3


def test_the_ks_check_rejects_gaussian_momenta():
    """The same check has power: Gaussian momenta of matched variance are rejected."""
    d, c = 10, 0.2
    law = RadialLaw(d, c, 1.0)
    variance = law.moment(2) / d
    rng = np.random.default_rng(3)
    radius = np.linalg.norm(rng.normal(0, np.sqrt(variance), size=(3000, d)), axis=1)
    assert scipy.stats.kstest(radius, law.cdf).pvalue < 1e-6


@pytest.mark.parametrize(("d", "c"), CASES)
def test_component_variances(d, c):
    """Var(p_i) = M_ii E[r^2] / d, within 5 standard errors of the mean of p_i^2 / M_ii.

    For a spherically symmetric y = L^-1 p: E[y_i^2] = E[r^2]/d and
    E[y_i^4] = 3 E[r^4] / (d (d + 2)).
    """
    inverse_mass = np.linspace(0.5, 2.0, d)
    kinetic = RelativisticKinetic(inverse_mass, c=c, m=1.0)
    rng = np.random.default_rng(11 * d + int(10 * c))
    n = 3000
    y2 = np.array([kinetic.sample(rng) ** 2 * inverse_mass for _ in range(n)])
    law = RadialLaw(d, c, 1.0)
    second = law.moment(2) / d
    fourth = 3 * law.moment(4) / (d * (d + 2))
    standard_error = np.sqrt((fourth - second**2) / n)
    assert np.all(np.abs(y2.mean(axis=0) - second) < 5 * standard_error)


@pytest.mark.parametrize("c", [1e-4, 1e4])
@pytest.mark.parametrize("m", [1e-4, 1e4])
def test_sampling_is_sound_in_high_dimension_and_extreme_parameters(c, m):
    d = 100_000
    kinetic = RelativisticKinetic(np.ones(d), c=c, m=m)
    rng = np.random.default_rng(5)
    draws = [kinetic.sample(rng) for _ in range(20)]
    for p in draws:
        assert np.all(np.isfinite(p))
        energy, velocity = kinetic.energy_and_velocity(p)
        assert np.isfinite(energy)
        assert np.linalg.norm(velocity) <= c * (1 + 1e-12)
    law = RadialLaw(d, c, m)
    r2 = np.array([p @ p for p in draws])
    standard_error = np.sqrt((law.moment(4) - law.moment(2) ** 2) / len(draws))
    assert abs(r2.mean() - law.moment(2)) < 5 * standard_error


FORMS_AND_METRICS = [
    ("isotropic", np.array([0.5, 2.0, 3.0])),
    ("isotropic", np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])),
    ("per_coordinate", np.array([0.5, 2.0, 3.0])),
]


@pytest.mark.parametrize(("form", "inverse_mass"), FORMS_AND_METRICS)
def test_velocity_is_the_gradient_of_the_energy(form, inverse_mass):
    kinetic = RelativisticKinetic(inverse_mass, c=0.7, m=1.3, form=form)
    p = np.array([0.3, -1.2, 0.8])
    eps = 1e-6
    fd = np.array(
        [(kinetic.energy(p + eps * e) - kinetic.energy(p - eps * e)) / (2 * eps) for e in np.eye(3)]
    )
    np.testing.assert_allclose(kinetic.velocity(p), fd, rtol=1e-8)
    energy, velocity = kinetic.energy_and_velocity(p)
    assert energy == pytest.approx(kinetic.energy(p))
    np.testing.assert_allclose(velocity, kinetic.velocity(p))


@pytest.mark.parametrize(("form", "inverse_mass"), FORMS_AND_METRICS)
@pytest.mark.parametrize("size", [1.0, 1e3, 1e150, 1e300])
def test_speed_never_exceeds_c(form, inverse_mass, size):
    """|v|_M = sqrt(v^T M v) < c, to rounding, even for enormous momenta."""
    c = 0.7
    kinetic = RelativisticKinetic(inverse_mass, c=c, m=1.0, form=form)
    p = size * np.array([0.3, -1.2, 0.8])
    v = kinetic.velocity(p)
    assert np.all(np.isfinite(v))
    mass = np.linalg.inv(np.diag(inverse_mass) if inverse_mass.ndim == 1 else inverse_mass)
    if form == "isotropic":
        assert np.sqrt(v @ mass @ v) <= c * (1 + 1e-12)
    else:
        assert np.all(np.abs(v) * np.sqrt(np.diag(mass)) <= c * (1 + 1e-12))
    assert np.all(kinetic.speed_fraction(p) <= 1 + 1e-12)


def test_large_c_recovers_the_gaussian_kinetic_energy():
    """K(p) - m c^2 -> p^T M^-1 p / (2 m) as c -> infinity."""
    inverse_mass = np.array([0.5, 2.0])
    m = 2.0
    kinetic = RelativisticKinetic(inverse_mass, c=1e4, m=m)
    gaussian = GaussianKinetic(inverse_mass / m)
    p = np.array([0.4, -0.9])
    assert kinetic.energy(p) - m * 1e8 == pytest.approx(gaussian.energy(p), rel=1e-6)
    np.testing.assert_allclose(kinetic.velocity(p), gaussian.velocity(p), rtol=1e-7)


def test_integrators_run_with_the_relativistic_kinetic_energy():
    """The drift calls velocity(p) only, so a symplectic scheme keeps H bounded."""
    system = HarmonicOscillator().hamiltonian
    system = type(system)(lambda q: 0.5 * q @ q, lambda q: q, RelativisticKinetic([1.0], c=0.5))
    traj = simulate("forest_ruth", system, [3.0], [0.0], 0.1, 2000)
    assert np.max(np.abs(traj.energy_error)) < 1e-3
    assert np.max(np.abs(np.diff(traj.q[:, 0]))) <= 0.1 * 0.5 * (1 + 1e-12) * 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"c": 0}, "c must be a positive finite number, got 0"),
        ({"c": -1.0}, "c must be a positive finite number"),
        ({"c": np.nan}, "c must be a positive finite number"),
        ({"c": np.inf}, "c must be a positive finite number"),
        ({"c": "fast"}, "c must be a positive finite number, got 'fast'"),
        ({"m": 0.0}, "m must be a positive finite number"),
        ({"m": np.inf}, "m must be a positive finite number"),
        ({"form": "spherical"}, r"form must be one of \('isotropic', 'per_coordinate'\)"),
        ({"form": "per_coordinate", "inverse_mass": np.eye(2)}, "needs a diagonal mass matrix"),
    ],
)
def test_bad_parameters(kwargs, message):
    arguments = {"inverse_mass": np.ones(2)} | kwargs
    with pytest.raises(ValueError, match=message):
        RelativisticKinetic(**arguments)
