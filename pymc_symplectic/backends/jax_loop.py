"""A whole HMC trajectory as one jitted JAX ``while_loop``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pymc_symplectic.backends.expressions import (
    KineticSpec,
    jax_ops,
    kinetic_energy_and_velocity,
    splitting_step,
)
from pymc_symplectic.backends.result import TrajectoryResult

__all__ = ["JaxTrajectory"]


class JaxTrajectory:
    r"""A fixed-length trajectory compiled by ``jax.jit`` around ``jax.lax.while_loop``.

    The same steps and divergence rule as
    :class:`~pymc_symplectic.backends.pytensor_scan.ScanTrajectory`; the log
    density is PyTensor's graph translated by its JAX backend. The loop runs
    while fewer than ``n_steps`` steps are done and no divergence happened, so
    the number of steps and the step size are traced values: changing them
    does not recompile. Runs on the CPU, or on a GPU where JAX has one.

    Parameters
    ----------
    log_density_and_grad
        A JAX function ``(q, *shared_values) -> (log density, gradient)``.
    operations
        The scheme's ``(is_kick, fraction)`` table.
    spec
        The kinetic energy.
    dtype
        Floating dtype of positions and momenta.
    """

    def __init__(
        self,
        log_density_and_grad: Callable,
        *,
        operations: Sequence[tuple[bool, float]],
        spec: KineticSpec,
        dtype: str = "float64",
    ):
        self.spec = spec
        self.dtype = np.dtype(dtype)
        self._log_density_and_grad = log_density_and_grad
        self._operations = tuple(operations)
        self._n_drifts_per_step = sum(1 for is_kick, _ in self._operations if not is_kick)
        self._jitted = None

    def __getstate__(self):
        # A jitted function does not pickle; it is rebuilt on first use.
        state = self.__dict__.copy()
        state["_jitted"] = None
        return state

    def _build(self):
        import jax
        import jax.numpy as jnp

        # PyMC's models are float64; JAX computes in float32 unless told otherwise.
        jax.config.update("jax_enable_x64", True)
        ops = jax_ops()
        spec = self.spec
        operations = self._operations
        log_density_and_grad = self._log_density_and_grad

        def trajectory(q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, params, shared):
            def density(q):
                logp, grad = log_density_and_grad(q, *shared)
                return logp, grad

            def cond(carry):
                i, diverged = carry[0], carry[1]
                return (i < n_steps) & ~diverged

            def body(carry):
                i, _, state, _, _, max_error, speed, limited = carry
                q, p, logp, grad = state
                q1, p1, logp1, grad1, s, lim = splitting_step(
                    ops, operations, density, spec, params, q, p, logp, grad, step_size
                )
                kinetic, _ = kinetic_energy_and_velocity(ops, spec, p1, params)
                error = (kinetic - logp1) - energy0
                finite = jnp.isfinite(error) & jnp.all(jnp.isfinite(grad1))
                abs_error = jnp.where(finite, jnp.abs(error), jnp.inf)
                return (
                    i + 1,
                    abs_error > emax,
                    (q1, p1, logp1, grad1),
                    state,
                    error,
                    jnp.maximum(max_error, abs_error),
                    speed + s,
                    limited + lim,
                )

            start = (q0, p0, logp0, grad0)
            zero = jnp.zeros((), dtype=jnp.float64)
            init = (0, False, start, start, zero, zero, zero, zero)
            n, diverged, end, before, error, max_error, speed, limited = jax.lax.while_loop(
                cond, body, init
            )
            kinetic, v = kinetic_energy_and_velocity(ops, spec, end[1], params)
            return (*end, v, kinetic - end[2], *before, n, error, max_error, diverged) + (
                speed,
                limited,
            )

        self._jitted = jax.jit(trajectory)

    def __call__(
        self,
        q0: np.ndarray,
        p0: np.ndarray,
        logp0: float,
        grad0: np.ndarray,
        energy0: float,
        step_size: float,
        n_steps: int,
        emax: float,
        kinetic_values: Sequence,
        shared_values: Sequence = (),
    ) -> TrajectoryResult:
        """Integrate ``n_steps`` steps from ``(q0, p0)``; see the class docstring."""
        import jax

        if self._jitted is None:
            self._build()
        dtype = self.dtype
        out = self._jitted(
            np.asarray(q0, dtype=dtype),
            np.asarray(p0, dtype=dtype),
            np.asarray(logp0, dtype=dtype),
            np.asarray(grad0, dtype=dtype),
            np.float64(energy0),
            np.float64(step_size),
            np.int64(n_steps),
            np.float64(emax),
            tuple(np.asarray(v, dtype=dtype) for v in kinetic_values),
            tuple(shared_values),
        )
        return TrajectoryResult.from_outputs(jax.device_get(out), self._n_drifts_per_step)
