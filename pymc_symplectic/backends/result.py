"""The record a compiled trajectory returns."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["TrajectoryResult"]


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
