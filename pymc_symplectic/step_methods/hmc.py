"""SymplecticHMC: PyMC's static-path HMC run with any symplectic, reversible integrator."""

from __future__ import annotations

import math
import numbers
import weakref
from dataclasses import field
from typing import Any

import numpy as np
from rich.progress import TextColumn
from rich.table import Column

from pymc_symplectic._checks import check_positive
from pymc_symplectic._pymc_compat import (
    DivergenceInfo,
    HamiltonianMC,
    HamiltonianMCState,
    HMCStepData,
    PyMCIntegrationError,
    QuadPotential,
    RaveledVars,
    SamplerWarning,
    State,
    dataclass_state,
    jax_log_density,
    log_density_graph,
    log_density_input_values,
    trajectory_backend,
    trajectory_kinetic,
    unif,
)
from pymc_symplectic.backends.expressions import stage_tables
from pymc_symplectic.backends.result import TrajectoryResult
from pymc_symplectic.integrators.base import Integrator
from pymc_symplectic.integrators.splitting import SplittingIntegrator
from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.step_methods._common import (
    CheckedModel,
    attach_integrator,
    default_target_accept,
    initial_step_ratio,
    prepare_hamiltonian,
    resolve_hmc_integrator,
    validate_common,
    validate_dual_averaging,
    validate_target_accept,
)

__all__ = [
    "TRAJECTORIES",
    "SymplecticHMC",
    "SymplecticHMCState",
    "default_target_accept",
    "initial_step_ratio",
]

_NON_FINITE = "Divergence encountered, non-finite energy or gradient."

# Compiled trajectories per model, step variables, kinetic energy and backend:
# the scheme and everything that changes are inputs, so all steps on the same
# model and kinetic energy share one compilation.
_COMPILED = weakref.WeakKeyDictionary()


def _compiled_trajectory(model, logp_dlogp_func, spec, backend, mode, dim):
    """Return ``(compiled trajectory, input sources)``, compiling once per key."""
    from pymc_symplectic.backends.jax_loop import JaxTrajectory
    from pymc_symplectic.backends.pytensor_scan import ScanTrajectory

    variables = tuple(v.name for v in logp_dlogp_func._grad_vars)
    mode_key = mode if mode is None or isinstance(mode, str) else id(mode)
    key = (variables, spec, backend, mode_key, dim, logp_dlogp_func.dtype)
    cache = _COMPILED.setdefault(model, {})
    if key not in cache:
        x, inputs, logp, grad, sources = log_density_graph(model, logp_dlogp_func)
        dtype = logp_dlogp_func.dtype
        if backend == "jax":
            density = jax_log_density(x, inputs, logp, grad)
            compiled = JaxTrajectory(density, spec=spec, dtype=dtype)
        else:
            compiled = ScanTrajectory(
                x, inputs, logp, grad, dim=dim, spec=spec, dtype=dtype, mode=mode
            )
        cache[key] = (compiled, sources)
    return cache[key]


#: Values of ``trajectory=``.
TRAJECTORIES = ("auto", "compiled", "python")


@dataclass_state
class SymplecticHMCState(HamiltonianMCState):
    """Sampling state of :class:`SymplecticHMC`: PyMC's HMC state plus its frozen configuration."""

    integrator_name: str = field(metadata={"frozen": True})
    kinetic_name: str = field(metadata={"frozen": True})
    metric: str = field(metadata={"frozen": True})


class SymplecticHMC(CheckedModel, HamiltonianMC):
    r"""Static-path Hamiltonian Monte Carlo with any symplectic, reversible integrator.

    Each draw resamples the momentum :math:`p \sim N(0, M)`, integrates Hamilton's
    equations for ``n_steps`` steps of size :math:`h` with the chosen integrator,
    and accepts the end point with probability :math:`\min(1, e^{-\Delta H})`
    (Neal, MCMC using Hamiltonian dynamics, Handbook of MCMC, 2011, sec. 5.3).
    This is PyMC's ``HamiltonianMC`` with its leapfrog replaced through the
    ``integrator`` seam; step-size dual averaging, mass-matrix adaptation and the
    step-size jitter are PyMC's.

    Parameters
    ----------
    vars
        Value variables to sample; default: all continuous ones of the model.
    integrator
        Registered name (see :func:`pymc_symplectic.integrators.available`) or an
        :class:`~pymc_symplectic.integrators.Integrator`; it must be symplectic and
        symmetric (``hmc_valid``).
    kinetic
        ``"gaussian"``: :math:`K = p^T M^{-1} p / 2` on PyMC's adaptive mass
        matrix; or any :class:`~pymc_symplectic.kinetic.KineticEnergy` object
        (fixed mass matrix, used as given: its ``sample`` must draw exactly from
        exp(-K); a missing method is a ``TypeError``). The relativistic kinetic
        energy with adaptation is :class:`~pymc_symplectic.step_methods.RelativisticHMC`.
    metric
        ``"diag"`` (PyMC's ``QuadPotentialDiagAdapt``, as its HMC sets it up) or
        ``"dense"`` (``QuadPotentialFullAdapt``). Ignored when ``scaling`` or
        ``potential`` is given.
    path_length
        Integration time :math:`T`; ``n_steps = min(max_steps, max(1, int(T / h)))``
        as in PyMC (default 2, PyMC's).
    max_steps
        Cap on the number of integrator steps per draw.
    target_accept
        Target mean acceptance rate of dual averaging, in (0, 1). Default: the
        asymptotically optimal rate for the integrator's order,
        :func:`default_target_accept`: 0.65 for second-order schemes (Beskos et
        al. 2013 give 0.651 for leapfrog), 0.80 for order 4, 0.86 for order 6,
        0.89 for order 8.
    step_scale
        Initial step size before scaling. The initial step is
        :math:`h_0 = \text{step\_scale} / d^{1/4} \times h^*/h^*_{\text{leapfrog}}`:
        PyMC's rule times the ratio of the scheme's linear stability limit
        :attr:`~pymc_symplectic.integrators.SplittingIntegrator.stability_limit` to
        leapfrog's (2). A multi-stage scheme's limit
        grows at most linearly with its gradient evaluations per step (2g for g
        stages), but the actual ratio is what keeps the first steps stable: 1.32
        for ``bcss2``, 2.33 for ``bcss3``, yet 0.79 for ``forest_ruth``, whose
        negative sub-steps shrink it. Non-splitting methods (implicit midpoint)
        use ratio 1.
    scaling, is_cov
        A fixed mass matrix, as in PyMC; can not be combined with ``potential``.
    potential
        A PyMC ``QuadPotential`` to use as is.
    adapt_step_size
        Whether to tune the step size by dual averaging during tuning.
    Emax
        A trajectory whose :math:`|\Delta H|` exceeds ``Emax`` at any step is a divergence.
    step_rand
        Function ``(step_size, rng=...) -> step_size`` jittering each draw's step size;
        default PyMC's uniform ±15%; ``None`` disables the jitter.
    gamma, k, t0
        Dual-averaging parameters, as in PyMC.
    model, blocked, rng, initial_point, dtype
        As for every PyMC step method.
    compile_kwargs
        Passed to PyMC's compilation of the log density and its gradient (e.g.
        ``{"mode": "NUMBA"}``); ``pm.sample(compile_kwargs=...)`` does not reach a
        step built by the user. Its ``"mode"`` also chooses the backend of the
        compiled trajectory: Numba (PyTensor's default), C (``"CVM"``) or JAX
        (``"JAX"``).
    trajectory
        ``"compiled"``: the whole trajectory (every step, the energy error and the
        divergence check) runs as one compiled function built from the model's
        graph (:mod:`pymc_symplectic.backends`), called once per draw; it needs a
        splitting integrator and a kinetic energy from PyMC's diagonal or dense
        potentials or the relativistic ones. ``"python"``: one compiled gradient
        call per step from a Python loop, the reference path, which takes every
        integrator and any ``KineticEnergy`` object. ``"auto"`` (default):
        compiled under ``{"mode": "JAX"}`` when the integrator and kinetic energy
        allow it, Python otherwise. The choice follows the measurements on the
        benchmarks page: under JAX the Python loop pays JAX's dispatch at every
        gradient and the fused loop compiles in seconds; under Numba the fused
        loop about halves the time per draw at d = 10-1000, but its compilation
        (seconds to tens of seconds, more for dense or relativistic kinetic
        energies) outweighs that in runs of a few thousand draws, and the C
        backend's Scan is slower than the Python loop. Choose ``"compiled"``
        for long runs with Numba. Both paths give the same trajectory to
        rounding (1e-10 is tested) and so the same draws for the same seed,
        except where a chain goes through numerically chaotic trajectories
        (step sizes beyond the stability limit early in tuning), which amplify
        rounding differences.

    Notes
    -----
    Sample statistics, each emitted at every draw:

    - ``energy``: :math:`H` of the state that is kept (the accepted proposal,
      or the start with its fresh momentum after a rejection), which is what the
      energy/BFMI diagnostics of Betancourt (2016, arXiv:1604.00695) need; PyMC's
      own HMC reports the proposal's energy even when it is rejected (infinite
      after a divergence).
    - ``energy_error``: :math:`\Delta H` of the proposal (``inf`` after a
      non-finite energy or failed step); ``max_energy_error``: the largest
      :math:`|H_k - H_0|` along the trajectory.
    - ``acceptance_rate``: :math:`\min(1, e^{-\Delta H})`, 0 after a divergence;
      ``accepted``; ``diverging``; ``divergences`` (after tuning, per chain).
    - ``step_size``: the jittered :math:`h` used in this draw; ``step_size_bar``:
      the dual-averaged step size used after tuning.
    - ``n_steps`` integrator steps taken (fewer than planned after a
      divergence), ``int_time`` = ``step_size * n_steps``, ``n_grad_evals``:
      log-density-and-gradient evaluations made, the start point's included.
    - ``model_logp`` (``lp`` in the DataTree): log density of the kept draw.

    A divergence (non-finite energy or gradient, a failed step such as a
    non-converged implicit solve, or :math:`|\Delta H| >` ``Emax``) ends the
    trajectory, is recorded with PyMC's ``DivergenceInfo`` and the chain stays
    at the start point.

    Examples
    --------
    >>> import pymc as pm
    >>> from pymc_symplectic.step_methods import SymplecticHMC
    >>> with pm.Model():
    ...     x = pm.Normal("x", shape=3)
    ...     idata = pm.sample(step=SymplecticHMC(integrator="bcss2"))  # doctest: +SKIP
    """

    name = "symplectic_hmc"
    default_blocked = True
    _state_class = SymplecticHMCState

    stats_dtypes_shapes = {
        "diverging": (bool, []),
        "divergences": (int, []),  # as NUTS declares it, so the two can be combined
        "energy": (np.float64, []),
        "energy_error": (np.float64, []),
        "max_energy_error": (np.float64, []),
        "acceptance_rate": (np.float64, []),
        "accepted": (np.float64, []),  # as Metropolis declares it (compound steps)
        "step_size": (np.float64, []),
        "step_size_bar": (np.float64, []),
        "n_steps": (np.int64, []),
        "n_grad_evals": (np.int64, []),
        "int_time": (np.float64, []),
        "model_logp": (np.float64, []),
        "process_time_diff": (np.float64, []),
        "perf_counter_diff": (np.float64, []),
        "perf_counter_start": (np.float64, []),
        "largest_eigval": (np.float64, []),
        "smallest_eigval": (np.float64, []),
        "warning": (SamplerWarning, None),
    }

    def __init__(
        self,
        vars=None,
        *,
        integrator: str | Integrator = "leapfrog",
        kinetic: str | KineticEnergy = "gaussian",
        metric: str = "diag",
        path_length: float = 2.0,
        max_steps: int = 1024,
        target_accept: float | None = None,
        step_scale: float = 0.25,
        scaling=None,
        is_cov: bool = False,
        potential: QuadPotential | None = None,
        adapt_step_size: bool = True,
        Emax: float = 1000.0,
        step_rand=unif,
        gamma: float = 0.05,
        k: float = 0.75,
        t0: float = 10,
        model=None,
        blocked: bool = True,
        rng=None,
        compile_kwargs: dict[str, Any] | None = None,
        initial_point=None,
        dtype=None,
        trajectory: str = "auto",
    ):
        method = resolve_hmc_integrator(integrator)
        if not isinstance(trajectory, str) or trajectory not in TRAJECTORIES:
            raise ValueError(f"trajectory must be one of {TRAJECTORIES}, got {trajectory!r}.")
        validate_common(
            kinetic=kinetic,
            metric=metric,
            compile_kwargs=compile_kwargs,
            scaling=scaling,
            potential=potential,
            adapt_step_size=adapt_step_size,
            is_cov=is_cov,
            blocked=blocked,
        )
        path_length = check_positive("path_length", path_length)
        step_scale = check_positive("step_scale", step_scale)
        Emax = check_positive("Emax", Emax)
        if (
            not isinstance(max_steps, numbers.Integral)
            or isinstance(max_steps, bool)
            or max_steps < 1
        ):
            raise ValueError(f"max_steps must be an integer >= 1, got {max_steps!r}.")
        if target_accept is None:
            target_accept = default_target_accept(method.order)
        else:
            target_accept = validate_target_accept(target_accept)
        if step_rand is not None and not callable(step_rand):
            raise ValueError(
                f"step_rand must be a function (step_size, rng=...) -> step_size or None, "
                f"got {step_rand!r}."
            )

        validate_dual_averaging(gamma, k, t0)
        parts = prepare_hamiltonian(
            "SymplecticHMC",
            kinetic=kinetic,
            metric=metric,
            vars=vars,
            model=model,
            initial_point=initial_point,
            dtype=dtype,
            rng=rng,
            scaling=scaling,
            is_cov=is_cov,
            potential=potential,
        )
        self.stability_ratio = initial_step_ratio(method)
        super().__init__(
            parts.vars,
            path_length=path_length,
            max_steps=int(max_steps),
            step_scale=step_scale * self.stability_ratio,
            potential=parts.potential,
            model=parts.model,
            blocked=blocked,
            dtype=parts.dtype,
            Emax=Emax,
            target_accept=float(target_accept),
            gamma=gamma,
            k=k,
            t0=t0,
            adapt_step_size=adapt_step_size,
            step_rand=step_rand,
            rng=parts.rng,
            initial_point=initial_point,
            compile_kwargs=compile_kwargs,
        )
        attach_integrator(self, method, kinetic, metric, parts)
        self.step_scale = step_scale
        self.trajectory_backend = trajectory_backend(compile_kwargs)
        self.trajectory = self._resolve_trajectory(trajectory, method)
        self._compile_mode = (compile_kwargs or {}).get("mode")
        self._compiled_trajectory = None

    def _resolve_trajectory(self, requested: str, method: Integrator) -> str:
        """Return ``"compiled"`` or ``"python"`` for ``trajectory=requested``."""
        reasons = []
        if not isinstance(method, SplittingIntegrator):
            reasons.append(f"the integrator {method.name!r} is not a splitting scheme")
        if trajectory_kinetic(self.potential) is None:
            reasons.append(
                f"the kinetic energy ({type(self.potential).__name__}) has no compiled form"
            )
        if requested == "compiled" and reasons:
            raise ValueError(
                "trajectory='compiled' is not available: "
                + " and ".join(reasons)
                + "; use trajectory='python' (or 'auto')."
            )
        if requested == "python" or reasons:
            return "python"
        if requested == "auto" and self.trajectory_backend != "jax":
            # Measured (benchmarks/compiled_trajectory.py): with Numba or C the
            # compilation (seconds to a minute) outweighs the per-draw saving in
            # typical runs; with JAX the Python loop pays JAX's dispatch per gradient.
            return "python"
        return "compiled"

    def __getstate__(self):
        # The compiled trajectory is a cache, rebuilt on first use after unpickling.
        state = self.__dict__.copy()
        state["_compiled_trajectory"] = None
        return state

    def _build_compiled_trajectory(self, dim: int):
        """Return ``run(q0, p0, logp0, grad0, energy0, step_size, n_steps)`` for this step."""
        spec, values = trajectory_kinetic(self.potential)
        stages = stage_tables(self.integrator.integrator.operations)
        compiled, sources = _compiled_trajectory(
            self._model,
            self._logp_dlogp_func,
            spec,
            self.trajectory_backend,
            self._compile_mode,
            dim,
        )
        func = self._logp_dlogp_func

        def run(q0, p0, logp0, grad0, energy0, step_size, n_steps):
            inputs = log_density_input_values(func, sources)
            return compiled(
                q0,
                p0,
                logp0,
                grad0,
                energy0,
                step_size,
                n_steps,
                self.Emax,
                stages,
                values(),
                inputs,
            )

        return run

    def astep(self, q0: RaveledVars):
        """Perform one HMC draw; see the class docstring for the statistics."""
        self.integrator.reset_count()
        q, stats = super().astep(q0)
        draw_stats = stats[0]
        draw_stats["step_size"] = draw_stats.pop("_trajectory_step_size")
        draw_stats["n_grad_evals"] = self.integrator.n_grad_evals
        return q, stats

    def _hamiltonian_step(self, start: State, p0, step_size: float) -> HMCStepData:
        n_planned = min(self.max_steps, max(1, int(self.path_length / step_size)))
        if self.trajectory == "compiled":
            state, div_info, n_steps, max_energy_error = self._integrate_compiled(
                start, step_size, n_planned
            )
        else:
            state, div_info, n_steps, max_energy_error = self._integrate_python(
                start, step_size, n_planned
            )
        if div_info is None or (div_info.exec_info is None and np.isfinite(state.energy)):
            energy_change = float(state.energy - start.energy)
        else:
            energy_change = math.inf
        if div_info is not None:
            accept_stat = 0.0  # dual averaging sees a divergence as a rejection
        else:
            accept_stat = 1.0 if energy_change <= 0 else math.exp(-energy_change)

        # Same random-number use as PyMC's HamiltonianMC: no draw after a divergence.
        if div_info is not None or self.rng.random() >= accept_stat:
            end, accepted = start, False
        else:
            end, accepted = state, True

        stats: dict[str, Any] = {
            "n_steps": n_steps,
            "int_time": step_size * n_steps,
            "_trajectory_step_size": step_size,
            "acceptance_rate": accept_stat,
            "energy_error": energy_change,
            "max_energy_error": max_energy_error,
            "energy": end.energy,
            "accepted": float(accepted),
            "model_logp": end.model_logp,
        }
        return HMCStepData(end, accept_stat, div_info, stats)

    def _integrate_python(self, start: State, step_size: float, n_planned: int):
        """Integrate step by step, one compiled gradient call per evaluation."""
        state = start
        last = start
        div_info = None
        n_steps = 0
        max_energy_error = 0.0
        try:
            for _ in range(n_planned):
                last = state
                state = self.integrator.step(step_size, state)
                n_steps += 1
                error = state.energy - start.energy
                if not np.isfinite(error) or not np.all(np.isfinite(state.q_grad)):
                    max_energy_error = math.inf
                    div_info = DivergenceInfo(_NON_FINITE, None, last, state)
                    break
                max_energy_error = max(max_energy_error, abs(error))
                if abs(error) > self.Emax:
                    div_info = DivergenceInfo(self._emax_message(error), None, last, state)
                    break
        except PyMCIntegrationError as err:
            max_energy_error = math.inf
            div_info = DivergenceInfo("Integration failed.", err, last, None)
        return state, div_info, n_steps, max_energy_error

    def _emax_message(self, error: float) -> str:
        return f"Divergence encountered, energy change {error:.3g} larger than Emax={self.Emax}."

    def _integrate_compiled(self, start: State, step_size: float, n_planned: int):
        """Integrate the whole trajectory in one call of the compiled function."""
        info = start.q.point_map_info
        if self._compiled_trajectory is None:
            self._compiled_trajectory = self._build_compiled_trajectory(start.q.data.size)
        result: TrajectoryResult = self._compiled_trajectory(
            start.q.data,
            start.p,
            start.model_logp,
            start.q_grad,
            start.energy,
            step_size,
            n_planned,
        )
        self.integrator.n_grad_evals += (
            result.n_steps * self.integrator.integrator.grad_evals_per_step
        )
        self._record_drifts(result)
        state = State(
            RaveledVars(result.q, info),
            result.p,
            result.velocity,
            result.grad,
            result.energy,
            result.logp,
            result.n_steps,
        )
        div_info = None
        if result.diverged:
            if result.n_steps > 1:
                last = State(
                    RaveledVars(result.q_before, info),
                    result.p_before,
                    None,
                    result.grad_before,
                    math.nan,
                    result.logp_before,
                    result.n_steps - 1,
                )
            else:
                last = start
            if math.isinf(result.max_energy_error):
                message = _NON_FINITE
            else:
                message = self._emax_message(result.energy_error)
            div_info = DivergenceInfo(message, None, last, state)
        return state, div_info, result.n_steps, result.max_energy_error

    def _record_drifts(self, result: TrajectoryResult) -> None:
        """Pass the compiled trajectory's drift statistics on (relativistic steps use them)."""

    @staticmethod
    def _progressbar_config(n_chains=1):
        columns = [
            TextColumn("{task.fields[divergences]}", table_column=Column("Divergences", ratio=1)),
            TextColumn("{task.fields[n_grad_evals]}", table_column=Column("Grad evals", ratio=1)),
        ]
        stats = {"divergences": [0] * n_chains, "n_grad_evals": [0] * n_chains}
        return columns, stats

    @staticmethod
    def _make_progressbar_update_functions():
        def update_stats(stats):
            return {
                "divergences": stats["divergences"],
                "n_grad_evals": stats["n_grad_evals"],
                "failing": stats["divergences"] > 0,
            }

        return (update_stats,)
