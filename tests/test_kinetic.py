"""Gaussian kinetic energy and mass matrices."""

import numpy as np
import pytest

from pymc_symplectic.kinetic import DenseMetric, DiagonalMetric, GaussianKinetic

DENSE = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])


@pytest.mark.parametrize("inverse_mass", [np.array([0.5, 2.0, 3.0]), DENSE])
def test_velocity_is_the_gradient_of_the_energy(inverse_mass):
    kinetic = GaussianKinetic(inverse_mass)
    p = np.array([0.3, -1.2, 0.8])
    eps = 1e-6
    fd = np.array(
        [(kinetic.energy(p + eps * e) - kinetic.energy(p - eps * e)) / (2 * eps) for e in np.eye(3)]
    )
    np.testing.assert_allclose(kinetic.velocity(p), fd, rtol=1e-8)
    energy, velocity = kinetic.energy_and_velocity(p)
    assert energy == pytest.approx(kinetic.energy(p))
    np.testing.assert_allclose(velocity, kinetic.velocity(p))


@pytest.mark.parametrize("inverse_mass", [np.array([0.5, 2.0, 3.0]), DENSE])
def test_sampled_momenta_have_covariance_M(inverse_mass):
    """Each entry of the sample covariance lies within 5 standard errors of M = inv(M^-1).

    The standard error of a sample covariance entry is sqrt((M_ii M_jj + M_ij^2) / n).
    """
    kinetic = GaussianKinetic(inverse_mass)
    mass = np.linalg.inv(np.diag(inverse_mass) if inverse_mass.ndim == 1 else inverse_mass)
    rng = np.random.default_rng(20261204)
    n = 20_000
    draws = np.array([kinetic.sample(rng) for _ in range(n)])
    cov = draws.T @ draws / n
    se = np.sqrt((np.outer(np.diag(mass), np.diag(mass)) + mass**2) / n)
    assert np.all(np.abs(cov - mass) < 5 * se)


@pytest.mark.parametrize(
    ("inverse_mass", "message"),
    [
        ([1.0, -1.0], "inverse_mass must be positive and finite"),
        ([1.0, np.inf], "inverse_mass must be positive and finite"),
        ([], "non-empty 1-d array"),
        ([[1.0, 2.0], [0.0, 1.0]], "inverse_mass must be symmetric"),
        ([[1.0, 2.0], [2.0, 1.0]], "inverse_mass must be positive definite"),
        ([[1.0, 2.0, 3.0]], "square 2-d array"),
        (np.ones((2, 2, 2)), "1-d array .diagonal. or a 2-d array .dense."),
    ],
)
def test_bad_mass_matrices(inverse_mass, message):
    with pytest.raises(ValueError, match=message):
        GaussianKinetic(inverse_mass)


def test_metric_objects_and_identity():
    assert isinstance(GaussianKinetic([1.0, 2.0]).metric, DiagonalMetric)
    assert isinstance(GaussianKinetic(DENSE).metric, DenseMetric)
    kinetic = GaussianKinetic.identity(4)
    assert kinetic.dim == 4
    assert kinetic.energy(np.ones(4)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="dim must be an integer >= 1"):
        GaussianKinetic.identity(0)
