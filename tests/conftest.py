import logging

import numpy as np
import pytest

from pymc_symplectic import integrators
from pymc_symplectic.dynamics import Hamiltonian
from pymc_symplectic.kinetic import GaussianKinetic

ALL_INTEGRATORS = integrators.available()
SYMPLECTIC = [n for n in ALL_INTEGRATORS if integrators.get(n).symplectic]
NOT_SYMPLECTIC = [n for n in ALL_INTEGRATORS if not integrators.get(n).symplectic]
SYMMETRIC = [n for n in ALL_INTEGRATORS if integrators.get(n).symmetric]
NOT_SYMMETRIC = [n for n in ALL_INTEGRATORS if not integrators.get(n).symmetric]


def coupled_quartic() -> Hamiltonian:
    """A nonlinear, coupled 2-d system with a dense mass matrix.

    U(q) = q1^4/4 + q2^4/4 + q1 q2 / 2, K(p) = p^T S p / 2 with S = M^{-1} dense.
    """

    def potential(q):
        return 0.25 * q[0] ** 4 + 0.25 * q[1] ** 4 + 0.5 * q[0] * q[1]

    def potential_grad(q):
        return np.array([q[0] ** 3 + 0.5 * q[1], q[1] ** 3 + 0.5 * q[0]])

    return Hamiltonian(potential, potential_grad, GaussianKinetic([[1.0, 0.3], [0.3, 0.5]]))


@pytest.fixture
def quartic():
    return coupled_quartic()


@pytest.fixture
def quiet_pymc():
    """Silence PyMC's sampling log for the test (its level is restored afterwards)."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
