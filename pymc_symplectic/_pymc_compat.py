"""The one module that uses PyMC's private API: re-exports and the integrator/kinetic adapters."""

from __future__ import annotations

import math
import warnings
from dataclasses import field
from functools import partial
from typing import Any

import numpy as np
import pytensor
import scipy.linalg
from pymc.blocking import DictToArrayBijection, RaveledVars
from pymc.model import Model, Point, modelcontext
from pymc.stats.convergence import SamplerWarning, WarningType
from pymc.step_methods.compound import Competence
from pymc.step_methods.hmc.base_hmc import DivergenceInfo, HMCStepData
from pymc.step_methods.hmc.hmc import HamiltonianMC, HamiltonianMCState, unif
from pymc.step_methods.hmc.integration import IntegrationError as PyMCIntegrationError
from pymc.step_methods.hmc.integration import State
from pymc.step_methods.hmc.nuts import NUTS, NUTSState
from pymc.step_methods.hmc.quadpotential import (
    QuadPotential,
    QuadPotentialDiagAdapt,
    QuadPotentialDiagAdaptState,
    QuadPotentialFullAdapt,
    QuadPotentialFullAdaptState,
    quad_potential,
)
from pymc.step_methods.state import DataClassState, dataclass_state
from pymc.tuning import guess_scaling
from pymc.util import get_random_generator, get_value_vars_from_user_vars
from pymc.vartypes import continuous_types

from pymc_symplectic.dynamics import Hamiltonian
from pymc_symplectic.errors import IntegrationError
from pymc_symplectic.integrators.base import Integrator, PhaseState
from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.kinetic.metric import Metric
from pymc_symplectic.kinetic.relativistic import RelativisticKinetic

__all__ = [
    "KINETIC_ENERGIES",
    "KINETIC_METHODS",
    "METRICS",
    "Competence",
    "KineticPotential",
    "check_kinetic_object",
    "DivergenceInfo",
    "HMCStepData",
    "HamiltonianMC",
    "HamiltonianMCState",
    "NUTS",
    "NUTSState",
    "PotentialKinetic",
    "PyMCIntegrationError",
    "PyMCIntegratorAdapter",
    "RelativisticDiagAdapt",
    "RelativisticFullAdapt",
    "QuadPotential",
    "RaveledVars",
    "SamplerWarning",
    "SpeedRecordingKinetic",
    "State",
    "WarningType",
    "continuous_types",
    "dataclass_state",
    "default_float_dtype",
    "get_random_generator",
    "get_value_vars_from_user_vars",
    "is_continuous",
    "make_potential_and_kinetic",
    "model_context",
    "model_size",
    "resolve_value_vars",
    "unif",
]

KINETIC_ENERGIES = ("gaussian", "relativistic")
METRICS = ("diag", "dense")


class PotentialKinetic(KineticEnergy):
    r"""Gaussian kinetic energy :math:`K(p) = p^T M^{-1} p / 2` read live from a PyMC potential.

    PyMC's ``QuadPotential`` objects hold the (adapting) inverse mass matrix
    :math:`M^{-1}` and draw momenta :math:`p \sim N(0, M)`; this object delegates
    to the potential at every call and caches nothing, so it follows the mass
    matrix as PyMC adapts it during tuning. Velocity :math:`\partial K/\partial p
    = M^{-1} p` (Neal, MCMC using Hamiltonian dynamics, Handbook of MCMC, 2011,
    sec. 5.2).

    Parameters
    ----------
    potential
        A PyMC ``QuadPotential`` (``QuadPotentialDiagAdapt``, ``QuadPotentialFullAdapt``, ...).
    dim
        The dimension of the momentum.

    Notes
    -----
    Only quadratic kinetic energies can be read from a ``QuadPotential``
    (PyMC computes its energy as :math:`p \cdot v / 2`). There is no fixed
    ``metric`` attribute, since the mass matrix changes during tuning.
    """

    def __init__(self, potential: QuadPotential, dim: int):
        self.potential = potential
        self._dim = int(dim)

    @property
    def dim(self) -> int:
        """Dimension of the momentum."""
        return self._dim

    def velocity(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p`` from the potential's current mass matrix."""
        return self.potential.velocity(p, out=None)

    def energy(self, p: np.ndarray) -> float:
        """Return ``p^T M^{-1} p / 2``."""
        return float(self.potential.energy(p))

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), M^{-1} p)`` with one product."""
        v = self.potential.velocity(p, out=None)
        return float(self.potential.energy(p, velocity=v)), v

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw ``p ~ N(0, M)`` with ``rng`` (through the potential's own sampler)."""
        own = self.potential.rng
        self.potential.rng = rng
        try:
            return self.potential.random()
        finally:
            self.potential.rng = own

    def __repr__(self) -> str:
        return f"PotentialKinetic({type(self.potential).__name__}, dim={self._dim})"


def _check_scaling(scaling, size: int) -> None:
    """Raise ``ValueError`` naming ``scaling`` unless it is a usable mass-matrix scaling."""
    array = np.asarray(scaling)
    if array.shape not in ((size,), (size, size)):
        raise ValueError(
            f"scaling must have shape ({size},) or ({size}, {size}) for the {size} sampled "
            f"coordinates, got shape {array.shape}."
        )
    if array.ndim == 2:
        if not np.allclose(array, array.T, rtol=1e-10, atol=0):
            raise ValueError("scaling must be a symmetric matrix.")
        try:
            scipy.linalg.cholesky(array, lower=True)
        except (np.linalg.LinAlgError, ValueError):
            raise ValueError("scaling must be a finite positive-definite matrix.") from None


def make_potential_and_kinetic(
    kinetic: str,
    metric: str,
    *,
    size: int,
    dtype,
    scaling=None,
    is_cov: bool = False,
    potential: QuadPotential | None = None,
    model=None,
    vars=None,
    rng: np.random.Generator,
    relativistic: dict | None = None,
) -> tuple[QuadPotential, KineticEnergy]:
    """Build the pairing of the potential PyMC adapts and samples from and the kinetic we integrate.

    This is the single place where the two are paired; a new kinetic energy adds
    a branch here.

    Parameters
    ----------
    kinetic
        ``"gaussian"`` or ``"relativistic"``.
    metric
        ``"diag"`` (PyMC's ``QuadPotentialDiagAdapt``, set up exactly as
        ``HamiltonianMC`` does) or ``"dense"`` (``QuadPotentialFullAdapt``).
        Ignored when ``scaling`` or ``potential`` is given.
    size
        Number of sampled (raveled) coordinates.
    dtype
        Float dtype of the model's logp function.
    scaling, is_cov
        A fixed mass matrix, as PyMC's ``scaling``/``is_cov`` (a dict is a point
        passed to ``pymc.tuning.guess_scaling``).
    potential
        A PyMC ``QuadPotential`` to use as is.
    model, vars
        Needed when ``scaling`` is a point.
    rng
        Generator handed to the potential (PyMC replaces it in ``setup_chain``).

    relativistic
        For ``kinetic="relativistic"``: keyword arguments ``c``, ``m``, ``form``,
        ``adapt_c`` and ``speed_limited_target`` of the relativistic potential.

    Returns
    -------
    tuple
        ``(potential, kinetic)``.
    """
    if not isinstance(kinetic, str):
        check_kinetic_object(kinetic)
        if scaling is not None or potential is not None:
            raise ValueError(
                "A kinetic energy object carries its own mass matrix: do not pass scaling "
                "or potential with it."
            )
        if kinetic.dim != size:
            raise ValueError(
                f"The kinetic energy has dimension {kinetic.dim} but the step samples {size} "
                "coordinates."
            )
        return KineticPotential(kinetic, dtype=dtype, rng=rng), kinetic
    if kinetic == "relativistic" and metric in METRICS:
        if potential is not None and isinstance(potential, _RelativisticPotentialMixin):
            return potential, SpeedRecordingKinetic(potential.kinetic)
        if scaling is not None or potential is not None:
            raise ValueError(
                "kinetic='relativistic' adapts its own mass matrix: pass metric='diag' or "
                "'dense' (and c, m, form) instead of scaling or potential."
            )
        cls = RelativisticDiagAdapt if metric == "diag" else RelativisticFullAdapt
        potential = cls(size, dtype=dtype, rng=rng, **(relativistic or {}))
        return potential, SpeedRecordingKinetic(potential.kinetic)
    if kinetic not in KINETIC_ENERGIES:
        raise ValueError(f"kinetic={kinetic!r} is not supported; use one of {KINETIC_ENERGIES}.")
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is not supported; use one of {METRICS}.")
    if scaling is not None and potential is not None:
        raise ValueError("Can not specify both potential and scaling.")
    if potential is not None:
        if not isinstance(potential, QuadPotential):
            raise ValueError(
                f"potential must be a PyMC QuadPotential, got {type(potential).__name__}."
            )
    elif scaling is not None:
        if isinstance(scaling, dict):
            scaling = guess_scaling(Point(scaling, model=model), model=model, vars=vars)
        _check_scaling(scaling, size)
        potential = quad_potential(scaling, is_cov, rng=rng)
    elif metric == "diag":
        # As pymc.step_methods.hmc.base_hmc.BaseHMC.__init__ builds its default.
        potential = QuadPotentialDiagAdapt(
            size, np.zeros(size, dtype=dtype), np.ones(size, dtype=dtype), 10, dtype=dtype, rng=rng
        )
    else:
        # As pymc.sampling.mcmc.init_nuts(init="adapt_full"), from a zero mean.
        with warnings.catch_warnings():
            # PyMC flags the class as experimental; the user chose it explicitly.
            warnings.filterwarnings("ignore", "QuadPotentialFullAdapt is an experimental")
            potential = QuadPotentialFullAdapt(
                size,
                np.zeros(size, dtype=dtype),
                np.eye(size, dtype=dtype),
                10,
                dtype=dtype,
                rng=rng,
            )
    return potential, PotentialKinetic(potential, size)


#: What the samplers call on a kinetic energy object.
KINETIC_METHODS = ("energy", "velocity", "energy_and_velocity", "sample")


def check_kinetic_object(kinetic) -> None:
    """Raise ``TypeError`` naming what a kinetic energy object lacks for sampling."""
    missing = [name for name in KINETIC_METHODS if not callable(getattr(kinetic, name, None))]
    if not isinstance(getattr(kinetic, "dim", None), int):
        missing.append("dim (an int attribute)")
    if missing:
        raise TypeError(
            f"kinetic={kinetic!r} lacks what the sampler needs: {', '.join(missing)}. A kinetic "
            "energy object implements energy(p), velocity(p) (= dK/dp), "
            "energy_and_velocity(p), sample(rng) (an exact draw from exp(-K)) and dim; "
            "subclass pymc_symplectic.kinetic.KineticEnergy."
        )


class _KineticDelegation:
    """PyMC's potential interface answered by ``self.kinetic``, a kinetic energy object.

    ``velocity``, ``energy``, ``velocity_energy`` and ``random`` each delegate to the
    kinetic energy, so PyMC's quadratic shortcut K = p.v/2 is never used.
    """

    kinetic: KineticEnergy

    def velocity(self, x, out=None):
        """Return dK/dp (written into ``out`` when given)."""
        v = self.kinetic.velocity(x)
        if out is None:
            return v
        out[...] = v
        return None

    def energy(self, x, velocity=None):
        """Return K(p) (a given velocity is ignored: K need not be quadratic)."""
        return self.kinetic.energy(x)

    def velocity_energy(self, x, v_out):
        """Write dK/dp into ``v_out`` and return K(p)."""
        energy, v = self.kinetic.energy_and_velocity(x)
        v_out[...] = v
        return energy

    def random(self):
        """Draw p exactly from exp(-K(p)) with the potential's generator."""
        return np.asarray(self.kinetic.sample(self.rng), dtype=self.dtype)


class KineticPotential(_KineticDelegation, QuadPotential):
    """A kinetic energy object with a fixed mass matrix, presented as PyMC's potential.

    Nothing adapts; PyMC's calls are answered by the kinetic energy.
    """

    def __init__(self, kinetic: KineticEnergy, *, dtype, rng):
        super().__init__(rng=rng)
        self.kinetic = kinetic
        self.dtype = dtype


class PyMCIntegratorAdapter:
    """Present one of our integrators to PyMC as its ``integrator`` object.

    Implements ``compute_state(q, p)`` and ``step(epsilon, state)`` returning
    PyMC's ``State``; a negative ``epsilon`` integrates backward (our integrators
    accept a negative step size). Failures of a step (our
    :class:`~pymc_symplectic.errors.IntegrationError`, including a non-converged
    implicit solve, and ``LinAlgError``) are re-raised as PyMC's
    ``IntegrationError``, which PyMC's HMC and NUTS record as a divergence.

    Parameters
    ----------
    integrator
        A one-step integrator (its ``PhaseState.aux`` is not carried through PyMC's ``State``).
    kinetic
        The kinetic energy the integrator's drifts call; the pair of ``potential``.
    potential
        The PyMC potential (only its dtype is checked here).
    logp_dlogp_func
        PyMC's ``ValueGradFunction`` of the step.

    Attributes
    ----------
    n_grad_evals : int
        Log-density-and-gradient evaluations since the last :meth:`reset_count`.
    """

    def __init__(
        self,
        integrator: Integrator,
        kinetic: KineticEnergy,
        potential: QuadPotential,
        logp_dlogp_func,
    ):
        self.integrator = integrator
        self.kinetic = kinetic
        # Call the compiled function directly, as CpuLeapfrogIntegrator does.
        self._pytensor_function = logp_dlogp_func._pytensor_function
        self._raveled_inputs = bool(logp_dlogp_func._raveled_inputs)
        self._dtype = np.dtype(logp_dlogp_func.dtype)
        if np.dtype(potential.dtype) != self._dtype:
            raise ValueError(
                f"dtypes of potential ({potential.dtype}) and logp function "
                f"({logp_dlogp_func.dtype}) don't match."
            )
        self.n_grad_evals = 0
        self._layout = None
        self._layout_hamiltonian = None

    def reset_count(self) -> None:
        """Set :attr:`n_grad_evals` to zero."""
        self.n_grad_evals = 0

    def _log_density_and_grad(self, q: np.ndarray, point_map_info) -> tuple[float, np.ndarray]:
        self.n_grad_evals += 1
        q = np.ascontiguousarray(q, dtype=self._dtype)
        if self._raveled_inputs:
            logp, grad = self._pytensor_function(q)
        else:
            values = DictToArrayBijection.rmap(RaveledVars(q, point_map_info)).values()
            logp, grad = self._pytensor_function(*values)
        return float(logp), np.asarray(grad, dtype=self._dtype)

    def _hamiltonian(self, point_map_info) -> Hamiltonian:
        # Built once per point layout, not once per step: this is the integrator loop.
        if self._layout is not point_map_info:
            fn = partial(self._log_density_and_grad, point_map_info=point_map_info)
            self._layout = point_map_info
            self._layout_hamiltonian = Hamiltonian.from_log_density(fn, self.kinetic)
        return self._layout_hamiltonian

    @staticmethod
    def _to_pymc(state: PhaseState, point_map_info, index: int) -> State:
        return State(
            RaveledVars(state.q, point_map_info),
            state.p,
            state.velocity,
            state.grad,
            float(state.energy),
            float(state.logp),
            index,
        )

    def compute_state(self, q: RaveledVars, p: np.ndarray) -> State:
        """Evaluate the log density, gradient, velocity and energy at ``(q, p)``."""
        state = self._hamiltonian(q.point_map_info).state(q.data, p)
        return self._to_pymc(state, q.point_map_info, 0)

    def step(self, epsilon: float, state: State) -> State:
        """Take one step of size ``epsilon`` (negative: backward) from a PyMC ``State``."""
        info = state.q.point_map_info
        start = PhaseState(
            state.q.data,
            state.p,
            state.v,
            float(state.model_logp),
            state.q_grad,
            float(state.energy + state.model_logp),
        )
        try:
            # An exploding step overflows; the sampler reports the non-finite
            # energy as a divergence, so numpy's warnings would only be noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                new = self.integrator.step(self._hamiltonian(info), start, float(epsilon))
        except IntegrationError as err:
            raise PyMCIntegrationError(f"{self.integrator.name} step failed: {err}") from err
        except np.linalg.LinAlgError as err:  # scipy.linalg.LinAlgError is the same class
            raise PyMCIntegrationError(
                f"LinAlgError during a {self.integrator.name} step."
            ) from err
        except ValueError as err:
            # scipy.linalg raises ValueError on non-finite input.
            if err.args and "infs or nans" in str(err.args[0]).lower():
                raise PyMCIntegrationError(
                    f"Infs or nans in scipy.linalg during a {self.integrator.name} step."
                ) from err
            raise
        return self._to_pymc(new, info, state.index_in_trajectory + int(np.sign(epsilon)))


def model_size(model, vars, initial_point) -> int:
    """Return the number of raveled coordinates of ``vars`` at ``initial_point``, as PyMC counts."""
    if initial_point is None:
        initial_point = model.initial_point()
    return int(sum(np.asarray(initial_point[v.name]).size for v in vars))


def resolve_value_vars(vars, model) -> list:
    """Return the model's value variables for ``vars`` (names, RVs or value variables)."""
    return get_value_vars_from_user_vars(vars, model)


def is_continuous(var: Any) -> bool:
    """Whether a value variable has a continuous (float) dtype."""
    return var.dtype in continuous_types


def model_context(model=None):
    """Return ``model``, or the model of the enclosing ``with`` block."""
    if model is not None and not isinstance(model, Model):
        raise TypeError(f"model must be a pymc.Model or None, got {model!r}.")
    return modelcontext(model)


def default_float_dtype() -> str:
    """PyTensor's ``floatX``, the dtype PyMC compiles log densities in by default."""
    return pytensor.config.floatX


# ---------------------------------------------------------------------------
# Relativistic kinetic energy on PyMC's adaptive mass matrices
# ---------------------------------------------------------------------------


class _LiveDiagonalMetric(Metric):
    """The diagonal mass matrix a ``QuadPotentialDiagAdapt`` is adapting, read at every call.

    PyMC keeps ``_var`` (= M^{-1}), ``_stds`` = sqrt(M^{-1}) and ``_inv_stds``
    current; nothing is cached here, so the metric follows tuning and a restored
    sampling state.
    """

    is_diagonal = True

    def __init__(self, potential: QuadPotentialDiagAdapt):
        self.potential = potential

    @property
    def dim(self) -> int:  # type: ignore[override]
        """Dimension."""
        return self.potential._n

    def inverse_apply(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""
        return self.potential._var * p

    def whiten(self, p: np.ndarray) -> np.ndarray:
        """Return ``p / sqrt(M)``."""
        return self.potential._stds * p

    def sample_standard(self, rng: np.random.Generator) -> np.ndarray:
        """Return a draw from N(0, M)."""
        return self.potential._inv_stds * rng.standard_normal(self.potential._n)


class _LiveDenseMetric(Metric):
    """The dense mass matrix a ``QuadPotentialFullAdapt`` adapts (``_cov`` = M^{-1} = C C^T)."""

    def __init__(self, potential: QuadPotentialFullAdapt):
        self.potential = potential

    @property
    def dim(self) -> int:  # type: ignore[override]
        """Dimension."""
        return self.potential._n

    def inverse_apply(self, p: np.ndarray) -> np.ndarray:
        """Return ``M^{-1} p``."""
        return self.potential._cov @ p

    def whiten(self, p: np.ndarray) -> np.ndarray:
        """Return ``C^T p``."""
        return self.potential._chol.T @ p

    def sample_standard(self, rng: np.random.Generator) -> np.ndarray:
        """Return ``C^{-T} z``, a draw from N(0, M)."""
        z = rng.standard_normal(self.potential._n)
        return scipy.linalg.solve_triangular(self.potential._chol.T, z, lower=False)


class _RelativisticPotentialMixin(_KineticDelegation):
    r"""PyMC's potential interface for a relativistic kinetic energy.

    The adaptive mass matrix (PyMC's estimators, windows and sampling state) is
    inherited unchanged; ``velocity``, ``energy``, ``velocity_energy`` and
    ``random`` come from a :class:`~pymc_symplectic.kinetic.RelativisticKinetic`
    over that live mass matrix, so PyMC's quadratic shortcut
    :math:`K = p \cdot v / 2` is never used. The speed of light ``c`` is part of
    the sampling state; :meth:`adapt_speed_of_light` tunes it.
    """

    kinetic: RelativisticKinetic

    def _init_relativistic(self, metric, c, m, form, adapt_c, speed_limited_target):
        self.kinetic = RelativisticKinetic(metric, c=c, m=m, form=form)
        self.m = self.kinetic.m
        self.form = form
        self.adapt_c = bool(adapt_c)
        self.speed_limited_target = float(speed_limited_target)
        self._initial_c = self.kinetic.c
        self._c_adapt_count = 0

    @property
    def c(self) -> float:
        """The speed of light (in units of the posterior scale that M^{-1} encodes)."""
        return self.kinetic.c

    @c.setter
    def c(self, value: float) -> None:
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"c must be a positive finite number, got {value!r}.")
        self.kinetic.c = float(value)

    def reset(self):
        super().reset()
        if hasattr(self, "kinetic"):
            self.c = self._initial_c
            self._c_adapt_count = 0

    def adapt_speed_of_light(self, speed_limited_fraction: float, tune: bool) -> None:
        r"""Robbins–Monro step on :math:`\log c` toward the target speed-limited fraction.

        :math:`\log c_{t+1} = \log c_t + (t + 10)^{-0.6} (f_t - f^*)`, where
        :math:`f_t` is the share of this draw's drifts faster than 0.9 c
        and :math:`f^*` the target: more speed-limited steps than wanted raise c
        (Robbins & Monro, Ann. Math. Statist. 22, 400-407, 1951; the gain
        exponent 0.6 lies in (1/2, 1] as their conditions need). Only during tuning.
        """
        if not (tune and self.adapt_c) or not np.isfinite(speed_limited_fraction):
            return
        gain = (self._c_adapt_count + 10) ** -0.6
        self._c_adapt_count += 1
        log_c = np.log(self.c) + gain * (speed_limited_fraction - self.speed_limited_target)
        self.c = float(
            np.exp(np.clip(log_c, np.log(self._initial_c) - 7, np.log(self._initial_c) + 7))
        )


@dataclass_state
class _RelativisticState(DataClassState):
    """The speed of light and its adaptation, added to PyMC's mass-matrix states."""

    c: float
    _c_adapt_count: int
    m: float = field(metadata={"frozen": True})
    form: str = field(metadata={"frozen": True})
    adapt_c: bool = field(metadata={"frozen": True})
    speed_limited_target: float = field(metadata={"frozen": True})
    _initial_c: float = field(metadata={"frozen": True})


@dataclass_state
class RelativisticDiagAdaptState(QuadPotentialDiagAdaptState, _RelativisticState):
    """PyMC's diagonal adaptation state plus the speed of light and its adaptation."""


@dataclass_state
class RelativisticFullAdaptState(QuadPotentialFullAdaptState, _RelativisticState):
    """PyMC's dense adaptation state plus the speed of light and its adaptation."""


class RelativisticDiagAdapt(_RelativisticPotentialMixin, QuadPotentialDiagAdapt):
    """Relativistic kinetic energy on PyMC's adaptive diagonal mass matrix."""

    _state_class = RelativisticDiagAdaptState

    def __init__(self, n, *, c, m, form, adapt_c, speed_limited_target, dtype, rng):
        super().__init__(
            n, np.zeros(n, dtype=dtype), np.ones(n, dtype=dtype), 10, dtype=dtype, rng=rng
        )
        self._init_relativistic(
            _LiveDiagonalMetric(self), c, m, form, adapt_c, speed_limited_target
        )


class RelativisticFullAdapt(_RelativisticPotentialMixin, QuadPotentialFullAdapt):
    """Relativistic kinetic energy on PyMC's adaptive dense mass matrix."""

    _state_class = RelativisticFullAdaptState

    def __init__(self, n, *, c, m, form, adapt_c, speed_limited_target, dtype, rng):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "QuadPotentialFullAdapt is an experimental")
            super().__init__(
                n, np.zeros(n, dtype=dtype), np.eye(n, dtype=dtype), 10, dtype=dtype, rng=rng
            )
        self._init_relativistic(_LiveDenseMetric(self), c, m, form, adapt_c, speed_limited_target)


class SpeedRecordingKinetic(KineticEnergy):
    """A relativistic kinetic energy that records the speed of every drift.

    Every drift of a splitting integrator calls :meth:`velocity` exactly once, so
    the counters give, per draw, the mean of ``|v|_M / c`` over the drifts
    (``speed_fraction``) and the share of drifts faster than 0.9 c
    (``speed_limited_fraction``; per coordinate for the per-coordinate form).
    The counters are scratch for one draw: the step calls :meth:`reset` first.
    """

    def __init__(self, kinetic: RelativisticKinetic):
        self.kinetic = kinetic
        self.reset()

    @property
    def metric(self) -> Metric:  # type: ignore[override]
        """The wrapped kinetic energy's metric."""
        return self.kinetic.metric

    def reset(self) -> None:
        """Zero the counters."""
        self._n = 0
        self._speed_sum = 0.0
        self._limited_sum = 0.0

    def add(self, n_drifts: int, speed_sum: float, speed_limited_sum: float) -> None:
        """Count drifts made elsewhere (a compiled trajectory) with their summed statistics."""
        self._n += int(n_drifts)
        self._speed_sum += float(speed_sum)
        self._limited_sum += float(speed_limited_sum)

    def summary(self) -> tuple[float, float]:
        """Return ``(speed_fraction, speed_limited_fraction)`` since the reset (nan if none)."""
        if self._n == 0:
            return math.nan, math.nan
        return self._speed_sum / self._n, self._limited_sum / self._n

    def velocity(self, p: np.ndarray) -> np.ndarray:
        """Return dK/dp and record the drift's speed."""
        v, speed = self.kinetic.velocity_and_speed(p)
        self._n += 1
        self._speed_sum += float(np.mean(speed))
        self._limited_sum += float(np.mean(speed > 0.9))
        return v

    def energy(self, p: np.ndarray) -> float:
        """Return K(p)."""
        return self.kinetic.energy(p)

    def energy_and_velocity(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Return ``(K(p), dK/dp)`` (not a drift: nothing is recorded)."""
        return self.kinetic.energy_and_velocity(p)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Draw p exactly from exp(-K(p))."""
        return self.kinetic.sample(rng)


# ---------------------------------------------------------------------------
# Compiled whole trajectories (pymc_symplectic.backends)
# ---------------------------------------------------------------------------


def trajectory_backend(compile_kwargs: dict | None) -> str:
    """Return the backend a compiled trajectory uses under ``compile_kwargs["mode"]``.

    ``"numba"`` (PyTensor's default), ``"c"`` (``"CVM"``, ``"C"``), ``"jax"``
    (``"JAX"``), or ``"py"`` for a pure-Python linker (``"FAST_COMPILE"``).
    """
    from pytensor.compile.mode import get_mode
    from pytensor.link.c.basic import CLinker
    from pytensor.link.jax.linker import JAXLinker
    from pytensor.link.numba.linker import NumbaLinker

    linker = get_mode((compile_kwargs or {}).get("mode")).linker
    if isinstance(linker, JAXLinker):
        return "jax"
    if isinstance(linker, NumbaLinker):
        return "numba"
    if isinstance(linker, CLinker) or getattr(linker, "use_cloop", False):
        return "c"
    return "py"


def trajectory_kinetic(potential):
    """Return ``(KineticSpec, values)`` for a potential a compiled trajectory supports, or None.

    ``values()`` reads the potential's current numbers (mass matrix, speed of
    light) at every call, so adaptation is followed. Supported: PyMC's diagonal
    and dense potentials (adaptive or fixed) and the relativistic potentials.
    """
    from pymc.step_methods.hmc.quadpotential import QuadPotentialDiag, QuadPotentialFull

    from pymc_symplectic.backends.expressions import KineticSpec

    if isinstance(potential, RelativisticDiagAdapt):
        spec = KineticSpec("relativistic", "diag", potential.form)
        return spec, lambda: (
            potential._var,
            potential._stds,
            potential.c,
            potential.m * potential.c,
        )
    if isinstance(potential, RelativisticFullAdapt):
        spec = KineticSpec("relativistic", "dense", potential.form)
        return spec, lambda: (
            potential._cov,
            potential._chol,
            potential.c,
            potential.m * potential.c,
        )
    if isinstance(potential, _RelativisticPotentialMixin):
        return None
    if isinstance(potential, QuadPotentialDiagAdapt):
        return KineticSpec("gaussian", "diag"), lambda: (potential._var,)
    if type(potential) is QuadPotentialDiag:
        return KineticSpec("gaussian", "diag"), lambda: (potential.v,)
    if isinstance(potential, QuadPotentialFull):
        return KineticSpec("gaussian", "dense"), lambda: (potential._cov,)
    return None


def log_density_graph(model, logp_dlogp_func, initial_point=None):
    """Return the step's log density and gradient as graphs of a flat position vector.

    The graph is built as PyMC's ``ValueGradFunction`` builds its own (the
    model's ``logp()``, the pre-gradient rewrites, the gradient of the step's
    variables raveled and joined). Everything else the graph reads becomes an
    explicit input, so the compiled trajectory does not depend on one step's
    shared variables and is shared by every step on the model: the other value
    variables (another block of a compound step) and the shared variables
    (``pm.Data``), read at each call by :func:`log_density_input_values`.

    Returns
    -------
    x, inputs, logp, grad, sources
        The position vector, the other inputs, the two outputs, and where each
        input's value comes from.
    """
    import pytensor.tensor as pt
    from pymc.logprob.utils import (
        local_check_parameter_to_ninf_switch,
        local_remove_check_parameter,
    )
    from pymc.pytensorf import join_nonshared_inputs, rewrite_pregrad
    from pytensor.compile import SharedVariable
    from pytensor.graph.fg import FunctionGraph
    from pytensor.graph.replace import graph_replace
    from pytensor.graph.rewriting.basic import in2out
    from pytensor.graph.traversal import graph_inputs

    grad_vars = list(logp_dlogp_func._grad_vars)
    cost = rewrite_pregrad(model.logp())
    grads = pytensor.grad(cost, grad_vars, disconnected_inputs="ignore")
    grad = pt.join(0, *[pt.as_tensor(g).ravel() for g in grads])
    if initial_point is None:
        initial_point = model.initial_point()
    (cost, grad), x = join_nonshared_inputs(
        point=initial_point, outputs=[cost, grad], inputs=grad_vars, make_inputs_shared=False
    )
    dtype = logp_dlogp_func.dtype
    cost, grad = pt.cast(cost, dtype), pt.cast(grad, dtype)
    # As pymc.pytensorf.compile does: a failed parameter check is a log density of
    # -inf (a divergence), not an exception; or no check when check_bounds is off.
    check = local_check_parameter_to_ninf_switch
    if not model.check_bounds:
        check = local_remove_check_parameter
    # A clone that keeps the input variables (x, the other value variables).
    fgraph = FunctionGraph(outputs=[cost, grad], clone=True, copy_inputs=False)
    in2out(check).rewrite(fgraph)
    cost, grad = fgraph.outputs
    free = list(graph_inputs([cost, grad]))
    extra = [v for v in model.value_vars if v in free and v not in grad_vars]
    shared = [v for v in free if isinstance(v, SharedVariable)]
    stand_ins = [v.type(name=v.name) for v in shared]
    if shared:
        cost, grad = graph_replace([cost, grad], dict(zip(shared, stand_ins, strict=True)))
    sources = [("value", v.name) for v in extra] + [("shared", v) for v in shared]
    return x, [*extra, *stand_ins], cost, grad, sources


def log_density_input_values(logp_dlogp_func, sources) -> list:
    """Read the current values of the inputs :func:`log_density_graph` made explicit.

    Another block's value variables are read from the step's own function,
    where PyMC sets them before every draw; shared variables from themselves.
    """
    values = []
    for kind, source in sources:
        if kind == "value":
            values.append(logp_dlogp_func._extra_vars_shared[source].get_value(borrow=True))
        else:
            values.append(source.get_value(borrow=True))
    return values


def jax_log_density(x, inputs, logp, grad):
    """Translate ``(logp, grad)`` of ``(x, *inputs)`` to JAX with PyTensor's JAX backend."""
    from pytensor.compile.mode import JAX
    from pytensor.graph.fg import FunctionGraph
    from pytensor.link.jax.dispatch import jax_funcify

    fgraph = FunctionGraph([x, *inputs], [logp, grad], clone=True)
    JAX.optimizer.rewrite(fgraph)
    return jax_funcify(fgraph)
