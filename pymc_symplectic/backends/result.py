"""The arguments a compiled trajectory takes and the record it returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["TrajectoryResult", "trajectory_arguments"]


def _as_array(value, dtype) -> np.ndarray:
    """Return a contiguous array of ``dtype``, 0-d for a scalar (ascontiguousarray gives 1-d)."""
    value = np.asarray(value, dtype=dtype)
    return value if value.flags.c_contiguous else np.ascontiguousarray(value)


def trajectory_arguments(
    dtype, q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, stages, kinetic_values
) -> tuple:
    """Return the positional arguments of a compiled trajectory, each an array of its dtype.

    Both backends take them in this order: ``q0, p0, logp0, grad0`` in the model's
    dtype, ``energy0, step_size`` float64, ``n_steps`` int64, ``emax`` float64, the
    kicks and drifts of :func:`~pymc_symplectic.backends.expressions.stage_tables`,
    then the kinetic energy's numbers in the model's dtype. Scalars are 0-d arrays,
    as a PyTensor function with trusted inputs requires.
    """
    kicks, drifts = stages
    return (
        _as_array(q0, dtype),
        _as_array(p0, dtype),
        _as_array(logp0, dtype),
        _as_array(grad0, dtype),
        _as_array(energy0, np.float64),
        _as_array(step_size, np.float64),
        _as_array(n_steps, np.int64),
        _as_array(emax, np.float64),
        kicks,
        drifts,
        *(_as_array(v, dtype) for v in kinetic_values),
    )


@dataclass(frozen=True)
class TrajectoryResult:
    r"""The end of a compiled trajectory and what happened along it.

    Attributes
    ----------
    q, p, logp, grad, velocity
        The last state reached (the diverging one after a divergence).
    energy
        :math:`H = K(p) - \log \pi(q)` of that state.
    q_before, p_before, logp_before, grad_before
        The state one step earlier (the start when one step was taken).
    n_steps
        Steps taken: the planned number, or fewer after a divergence.
    energy_error
        :math:`H_{end} - H_0` (``inf`` when not finite).
    max_energy_error
        Largest :math:`|H_k - H_0|` along the trajectory (``inf`` after a
        non-finite energy or gradient).
    diverged
        Whether the trajectory stopped at a divergence.
    speed_sum, speed_limited_sum, n_drifts
        Sums over the drifts of the mean speed fraction and of the share of
        speed-limited coordinates, and the number of drifts (relativistic K;
        the sums are zero for the Gaussian one).
    """

    q: np.ndarray
    p: np.ndarray
    logp: float
    grad: np.ndarray
    velocity: np.ndarray
    energy: float
    q_before: np.ndarray
    p_before: np.ndarray
    logp_before: float
    grad_before: np.ndarray
    n_steps: int
    energy_error: float
    max_energy_error: float
    diverged: bool
    speed_sum: float
    speed_limited_sum: float
    n_drifts: int

    @classmethod
    def from_outputs(cls, out, n_drifts_per_step: int) -> TrajectoryResult:
        """Build from the 16 outputs of a compiled trajectory function, in order."""
        (q, p, logp, grad, v, energy, qb, pb, logpb, gradb) = out[:10]
        n_steps, error, max_error, diverged, speed, limited = out[10:]
        n_steps = int(n_steps)
        error = float(error)
        return cls(
            q=np.asarray(q),
            p=np.asarray(p),
            logp=float(logp),
            grad=np.asarray(grad),
            velocity=np.asarray(v),
            energy=float(energy),
            q_before=np.asarray(qb),
            p_before=np.asarray(pb),
            logp_before=float(logpb),
            grad_before=np.asarray(gradb),
            n_steps=n_steps,
            energy_error=error if math.isfinite(error) else math.inf,
            max_energy_error=float(max_error),
            diverged=bool(diverged),
            speed_sum=float(speed),
            speed_limited_sum=float(limited),
            n_drifts=n_steps * n_drifts_per_step,
        )
