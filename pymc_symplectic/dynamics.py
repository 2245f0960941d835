"""Hamiltonian dynamics without PyMC: a separable Hamiltonian and ``simulate``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pymc_symplectic import integrators as _integrators
from pymc_symplectic._checks import check_integer, check_positive
from pymc_symplectic.integrators.base import Integrator, PhaseState
from pymc_symplectic.kinetic.base import KineticEnergy

__all__ = ["Hamiltonian", "Trajectory", "resolve_integrator", "simulate"]


class Hamiltonian:
    r"""A separable Hamiltonian :math:`H(q, p) = U(q) + K(p)`.

    Hamilton's equations are :math:`\dot q = \partial K / \partial p`,
    :math:`\dot p = -\partial U / \partial q`. Internally the potential is held
    as a log density, :math:`U = -\log \pi`, the form PyMC models provide.

    Parameters
    ----------
    potential
        U(q), returning a float.
    potential_grad
        dU/dq, returning an array shaped like q.
    kinetic
        The kinetic energy, e.g. ``GaussianKinetic(inverse_mass)``.

    See Also
    --------
    Hamiltonian.from_log_density : build from a function returning (log density, gradient).
    """

    def __init__(
        self,
        potential: Callable[[np.ndarray], float],
        potential_grad: Callable[[np.ndarray], np.ndarray],
        kinetic: KineticEnergy,
    ):
        if not callable(potential):
            raise TypeError(f"potential must be callable, got {type(potential).__name__}.")
        if not callable(potential_grad):
            raise TypeError(
                f"potential_grad must be callable, got {type(potential_grad).__name__}."
            )

        def log_density_and_grad(q):
            return -potential(q), -np.asarray(potential_grad(q), dtype=float)

        self._init(log_density_and_grad, kinetic)

    @classmethod
    def from_log_density(
        cls,
        log_density_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
        kinetic: KineticEnergy,
    ) -> Hamiltonian:
        """Build from ``f(q) -> (log density, its gradient)``, as PyMC compiles it."""
        if not callable(log_density_and_grad):
            raise TypeError(
                f"log_density_and_grad must be callable, got {type(log_density_and_grad).__name__}."
            )
        self = cls.__new__(cls)
        self._init(log_density_and_grad, kinetic)
        return self

    def _init(self, log_density_and_grad, kinetic) -> None:
        if not isinstance(kinetic, KineticEnergy):
            raise TypeError(
                f"kinetic must be a KineticEnergy (e.g. GaussianKinetic), got {kinetic!r}."
            )
        self.log_density_and_grad = log_density_and_grad
        self.kinetic = kinetic

    def state(self, q: np.ndarray, p: np.ndarray) -> PhaseState:
        """Evaluate everything an integrator needs at (q, p)."""
        logp, grad = self.log_density_and_grad(q)
        kinetic_energy, v = self.kinetic.energy_and_velocity(p)
        return PhaseState(q, p, v, float(logp), np.asarray(grad, dtype=float), kinetic_energy)

    def energy(self, q: np.ndarray, p: np.ndarray) -> float:
        """Return H(q, p)."""
        return self.kinetic.energy(p) - float(self.log_density_and_grad(q)[0])


@dataclass(frozen=True)
class Trajectory:
    """The result of :func:`simulate`.

    Attributes
    ----------
    q, p
        Positions and momenta, shape ``(n_steps + 1, d)``; row 0 is the start.
    energy
        H along the trajectory, shape ``(n_steps + 1,)``.
    time
        Integration times, shape ``(n_steps + 1,)``.
    n_grad_evals
        Log-density-and-gradient evaluations made, the initial one included.
    integrator
        The integrator's name.
    """

    q: np.ndarray
    p: np.ndarray
    energy: np.ndarray
    time: np.ndarray
    n_grad_evals: int
    integrator: str

    @property
    def energy_error(self) -> np.ndarray:
        """``H(t) - H(0)``."""
        return self.energy - self.energy[0]


def resolve_integrator(integrator: str | Integrator) -> Integrator:
    """Return ``integrator`` itself, or the registered integrator of that name."""
    if isinstance(integrator, Integrator):
        return integrator
    if isinstance(integrator, str):
        return _integrators.get(integrator)
    raise TypeError(
        "integrator must be a registered name or an Integrator, "
        f"got {type(integrator).__name__}. Registered: {', '.join(_integrators.available())}."
    )


def _as_vector(name: str, value) -> np.ndarray:
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array, got {value!r}.") from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array!r}.")
    return array


def simulate(
    integrator: str | Integrator,
    hamiltonian: Hamiltonian,
    q0,
    p0,
    step_size: float,
    n_steps: int,
) -> Trajectory:
    """Integrate Hamilton's equations for ``n_steps`` steps of size ``step_size``.

    Works with every registered integrator, the non-symplectic ones included.

    Parameters
    ----------
    integrator
        Registered name (see :func:`pymc_symplectic.integrators.available`) or an
        :class:`~pymc_symplectic.integrators.Integrator`.
    hamiltonian
        The system.
    q0, p0
        Initial position and momentum, 1-d arrays of equal length (scalars for d = 1).
    step_size
        Positive, finite step size h.
    n_steps
        Number of steps, >= 1.

    Returns
    -------
    Trajectory
        Positions, momenta and energies at the ``n_steps + 1`` times ``k h``.

    Examples
    --------
    >>> import numpy as np
    >>> from pymc_symplectic.dynamics import Hamiltonian, simulate
    >>> from pymc_symplectic.kinetic import GaussianKinetic
    >>> oscillator = Hamiltonian(lambda q: 0.5 * q @ q, lambda q: q, GaussianKinetic.identity(1))
    >>> traj = simulate("leapfrog", oscillator, [1.0], [0.0], step_size=0.1, n_steps=100)
    >>> traj.q.shape
    (101, 1)
    """
    method = resolve_integrator(integrator)
    if not isinstance(hamiltonian, Hamiltonian):
        raise TypeError(f"hamiltonian must be a Hamiltonian, got {type(hamiltonian).__name__}.")
    check_positive("step_size", step_size)
    check_integer("n_steps", n_steps, 1)
    q0 = _as_vector("q0", q0)
    p0 = _as_vector("p0", p0)
    if q0.shape != p0.shape:
        raise ValueError(f"q0 and p0 must have the same shape, got {q0.shape} and {p0.shape}.")
    if q0.size != hamiltonian.kinetic.dim:
        raise ValueError(
            f"q0 has {q0.size} coordinates but the kinetic energy has dimension "
            f"{hamiltonian.kinetic.dim}."
        )

    count = 0
    inner = hamiltonian.log_density_and_grad

    def counted(q):
        nonlocal count
        count += 1
        return inner(q)

    counting = Hamiltonian.from_log_density(counted, hamiltonian.kinetic)
    n = int(n_steps)
    qs = np.empty((n + 1, q0.size))
    ps = np.empty((n + 1, q0.size))
    energy = np.empty(n + 1)
    state = counting.state(q0, p0)
    qs[0], ps[0], energy[0] = state.q, state.p, state.energy
    h = float(step_size)
    for k in range(1, n + 1):
        state = method.step(counting, state, h)
        qs[k], ps[k], energy[k] = state.q, state.p, state.energy
    return Trajectory(qs, ps, energy, h * np.arange(n + 1), count, method.name)
