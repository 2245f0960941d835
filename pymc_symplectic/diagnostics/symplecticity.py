"""Symplecticity of an integrator's step map on a model, from a finite-difference Jacobian."""

from __future__ import annotations

import numpy as np

from pymc_symplectic._checks import check_integer, check_positive, check_rng
from pymc_symplectic.diagnostics._validate import check_kinetic, check_model
from pymc_symplectic.diagnostics.model_space import model_log_density, unconstrained_points
from pymc_symplectic.dynamics import Hamiltonian, _as_vector, resolve_integrator, simulate
from pymc_symplectic.integrators.base import Integrator
from pymc_symplectic.kinetic import GaussianKinetic, KineticEnergy

__all__ = ["step_map_jacobian", "symplecticity_check"]


def step_map_jacobian(
    hamiltonian: Hamiltonian,
    integrator: str | Integrator,
    q: np.ndarray,
    p: np.ndarray,
    step_size: float,
    n_steps: int = 1,
    fd_step: float = 1e-3,
) -> np.ndarray:
    r"""Jacobian of :math:`\Psi: (q, p) \mapsto (q_N, p_N)` by 4th-order central differences.

    Column :math:`k` is
    :math:`[-\Psi(z + 2\delta e_k) + 8\Psi(z + \delta e_k) - 8\Psi(z - \delta e_k)
    + \Psi(z - 2\delta e_k)] / (12\delta)`, with truncation error
    :math:`O(\delta^4)` (Fornberg, Math. Comp. 51, 699-706, 1988, Table 1).

    Parameters
    ----------
    hamiltonian
        The system.
    integrator
        Registered name or :class:`~pymc_symplectic.integrators.Integrator`.
    q, p
        The point, finite 1-d arrays of the system's dimension.
    step_size, n_steps
        The map is ``n_steps`` steps of size ``step_size`` (as for
        :func:`~pymc_symplectic.dynamics.simulate`).
    fd_step
        Finite-difference step :math:`\delta`, a positive finite number.

    Returns
    -------
    numpy.ndarray
        The ``(2d, 2d)`` Jacobian, rows and columns ordered ``(q, p)``.

    Raises
    ------
    ValueError
        For an unknown integrator, a non-finite or wrongly shaped point, or an
        invalid ``step_size``, ``n_steps`` or ``fd_step``.
    """
    method = resolve_integrator(integrator)
    if not isinstance(hamiltonian, Hamiltonian):
        raise TypeError(f"hamiltonian must be a Hamiltonian, got {type(hamiltonian).__name__}.")
    check_positive("step_size", step_size)
    check_integer("n_steps", n_steps, 1)
    fd_step = check_positive("fd_step", fd_step)
    q = _as_vector("q", q)
    p = _as_vector("p", p)
    d = hamiltonian.kinetic.dim
    if q.shape != (d,) or p.shape != (d,):
        raise ValueError(
            f"q and p must both have the system's dimension {d}, got shapes {q.shape} and "
            f"{p.shape}."
        )
    z0 = np.concatenate([q, p])

    def flow(z):
        run = simulate(method, hamiltonian, z[:d], z[d:], step_size, n_steps)
        return np.concatenate([run.q[-1], run.p[-1]])

    jacobian = np.empty((2 * d, 2 * d))
    for k in range(2 * d):
        e = np.zeros(2 * d)
        e[k] = fd_step
        jacobian[:, k] = (
            -flow(z0 + 2 * e) + 8 * flow(z0 + e) - 8 * flow(z0 - e) + flow(z0 - 2 * e)
        ) / (12 * fd_step)
    return jacobian


def symplecticity_check(
    model,
    integrator: str | Integrator,
    point=None,
    step_size: float = 0.1,
    n_steps: int = 1,
    *,
    momentum=None,
    kinetic: KineticEnergy | None = None,
    fd_step: float = 1e-3,
    random_seed=0,
) -> float:
    r"""Return the symplecticity defect :math:`\max |\Psi'^T J \Psi' - J|` of a step map on a model.

    A map :math:`\Psi` is symplectic when its Jacobian satisfies
    :math:`\Psi'^T J \Psi' = J`, :math:`J = \begin{pmatrix} 0 & I \\ -I & 0
    \end{pmatrix}` (Hairer, Lubich & Wanner, *Geometric Numerical Integration*,
    2nd ed., 2006, Def. VI.2.2). The Jacobian is taken by 4th-order central
    differences (:func:`step_map_jacobian`), so the defect of a symplectic
    method is finite-difference noise (about 1e-9 or less); Euler's and
    Runge–Kutta's is of order :math:`h^2` and :math:`h^5` times the curvature.

    Parameters
    ----------
    model
        A :class:`pymc.Model`.
    integrator
        Registered name or :class:`~pymc_symplectic.integrators.Integrator`.
    point
        Start position (see :func:`~pymc_symplectic.diagnostics.unconstrained_points`;
        the first one is used); default: the initial point, jittered.
    step_size, n_steps
        The map is ``n_steps`` steps of size ``step_size``.
    momentum
        Start momentum; default a draw from ``kinetic``.
    kinetic
        Kinetic energy; default :math:`K = |p|^2/2`.
    fd_step
        Finite-difference step :math:`\delta`.
    random_seed
        Seed of the jitter and the momentum.

    Returns
    -------
    float
        The largest absolute entry of :math:`\Psi'^T J \Psi' - J`.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model`` or ``kinetic`` not a KineticEnergy.
    ValueError
        For an unknown integrator, a model without (or with discrete) free
        variables, or an invalid step size, count, point, momentum, ``fd_step``
        or seed.
    """
    resolve_integrator(integrator)
    check_positive("step_size", step_size)
    check_integer("n_steps", n_steps, 1)
    fd_step = check_positive("fd_step", fd_step)
    rng = check_rng(random_seed)
    check_model(model)
    log_density, dim = model_log_density(model)
    kinetic = GaussianKinetic.identity(dim) if kinetic is None else check_kinetic(kinetic, dim)
    q = unconstrained_points(model, point, n_points=1, random_seed=rng)[0]
    if momentum is None:
        p = kinetic.sample(rng)
    else:
        p = _as_vector("momentum", momentum)
        if p.shape != (dim,):
            raise ValueError(
                f"momentum must have the model's dimension {dim}, got shape {p.shape}."
            )
    hamiltonian = Hamiltonian.from_log_density(log_density, kinetic)
    jacobian = step_map_jacobian(hamiltonian, integrator, q, p, step_size, n_steps, fd_step)
    j = np.block([[np.zeros((dim, dim)), np.eye(dim)], [-np.eye(dim), np.zeros((dim, dim))]])
    return float(np.max(np.abs(jacobian.T @ j @ jacobian - j)))
