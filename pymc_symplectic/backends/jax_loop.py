"""A whole HMC trajectory as one jitted JAX ``while_loop``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from pymc_symplectic.backends.expressions import (
    KineticSpec,
    jax_ops,
    kinetic_energy_and_velocity,
    stage,
)
from pymc_symplectic.backends.result import TrajectoryResult, trajectory_arguments

__all__ = ["JaxTrajectory"]


class JaxTrajectory:
    r"""A fixed-length trajectory compiled by ``jax.jit`` around ``jax.lax.while_loop``.

    The same stages, end-of-step energy check and divergence rule as
    :class:`~pymc_symplectic.backends.pytensor_scan.ScanTrajectory`; the log
    density is PyTensor's graph translated by its JAX backend. The loop runs
    while steps remain and no divergence happened, so the number of steps, the
    step size and the scheme's coefficients are traced values: changing them
    does not recompile. Runs on the CPU, or on a GPU where JAX has one.

    Parameters
    ----------
    log_density_and_grad
        A JAX function ``(q, *inputs) -> (log density, gradient)``; the other
        inputs (data, other blocks' values) are passed at every call.
    spec
        The kinetic energy.
    dtype
        Floating dtype of positions and momenta.
    """

    def __init__(self, log_density_and_grad: Callable, *, spec: KineticSpec, dtype="float64"):
        self.spec = spec
        self.dtype = np.dtype(dtype)
        self._log_density_and_grad = log_density_and_grad
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
        log_density_and_grad = self._log_density_and_grad

        def trajectory(
            q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, kicks, drifts, params, inputs
        ):
            def density(q):
                logp, grad = log_density_and_grad(q, *inputs)
                return logp, grad

            n_stages = drifts.shape[0]
            n_iterations = n_steps * n_stages

            def cond(carry):
                i, diverged = carry[0], carry[1]
                return (i < n_iterations) & ~diverged

            def body(carry):
                i, _, state, step_start, before, error, max_error, speed, limited = carry
                j = i % n_stages
                is_last = j == n_stages - 1
                new, s, lim = stage(
                    ops,
                    density,
                    spec,
                    params,
                    state,
                    step_size,
                    kicks[j],
                    drifts[j],
                    kicks[n_stages],
                    is_last,
                )
                kinetic, _ = kinetic_energy_and_velocity(ops, spec, new[1], params)
                new_error = (kinetic - new[2]) - energy0
                finite = jnp.isfinite(new_error) & jnp.all(jnp.isfinite(new[3]))
                abs_error = jnp.where(finite, jnp.abs(new_error), jnp.inf)
                pick = partial(jax.tree_util.tree_map, lambda x, y: jnp.where(is_last, x, y))
                return (
                    i + 1,
                    is_last & (abs_error > emax),
                    new,
                    pick(new, step_start),
                    pick(step_start, before),
                    jnp.where(is_last, new_error, error),
                    jnp.where(is_last, jnp.maximum(max_error, abs_error), max_error),
                    speed + s,
                    limited + lim,
                )

            start = (q0, p0, logp0, grad0)
            zero = jnp.zeros((), dtype=jnp.float64)
            init = (0, False, start, start, start, zero, zero, zero, zero)
            i, diverged, end, _, before, error, max_error, speed, limited = jax.lax.while_loop(
                cond, body, init
            )
            kinetic, v = kinetic_energy_and_velocity(ops, spec, end[1], params)
            n_taken = i // n_stages
            return (*end, v, kinetic - end[2], *before, n_taken, error, max_error, diverged) + (
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
        stages: tuple[np.ndarray, np.ndarray],
        kinetic_values: Sequence,
        input_values: Sequence = (),
    ) -> TrajectoryResult:
        """Integrate ``n_steps`` steps of the scheme ``stages`` from ``(q0, p0)``."""
        import jax

        if self._jitted is None:
            self._build()
        arguments = trajectory_arguments(
            self.dtype, q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, stages, ()
        )
        params = tuple(np.asarray(v, dtype=self.dtype) for v in kinetic_values)
        out = self._jitted(*arguments, params, tuple(input_values))
        return TrajectoryResult.from_outputs(jax.device_get(out), len(stages[1]))
