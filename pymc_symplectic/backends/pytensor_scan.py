"""A whole HMC trajectory as one PyTensor ``Scan``, compiled by Numba or C."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pymc_symplectic.backends.expressions import (
    KineticSpec,
    kinetic_energy_and_velocity,
    pytensor_ops,
    splitting_step,
)
from pymc_symplectic.backends.result import TrajectoryResult

__all__ = ["ScanTrajectory"]


def _as_input(value, dtype) -> np.ndarray:
    """Return a contiguous array of ``dtype``, 0-d for a scalar (not 1-d as ascontiguousarray)."""
    value = np.asarray(value, dtype=dtype)
    return value if value.flags.c_contiguous else np.ascontiguousarray(value)


class ScanTrajectory:
    r"""A fixed-length trajectory compiled into one PyTensor function.

    The loop is a while-``Scan`` (``until``): iteration k applies one step of the
    splitting scheme (:func:`~pymc_symplectic.backends.expressions.splitting_step`),
    computes :math:`\Delta H_k = H(q_k, p_k) - H(q_0, p_0)` and stops after
    ``n_steps`` steps or at the first divergence: a non-finite energy or
    gradient, or :math:`|\Delta H_k| >` ``emax``, the rule of the Python path
    (PyMC's HMC, Betancourt 2017, arXiv:1701.02434, sec. 6.2). The step size,
    the number of steps, ``emax`` and the kinetic energy's numbers (mass matrix,
    speed of light) are inputs, so jitter and adaptation never recompile.

    Parameters
    ----------
    log_density_and_grad
        Builds the symbolic ``(log density, gradient)`` at a symbolic position
        vector; shared variables in that graph (data, other blocks' values) are
        read at every call.
    dim
        Length of the position vector.
    operations
        The scheme's ``(is_kick, fraction)`` table
        (:attr:`~pymc_symplectic.integrators.SplittingIntegrator.operations`).
    spec
        The kinetic energy.
    dtype
        Floating dtype of positions and momenta.
    mode
        PyTensor compilation mode (``"NUMBA"``, ``"CVM"``, ``"FAST_RUN"``, a ``Mode``, ...).
    """

    def __init__(
        self,
        log_density_and_grad: Callable,
        *,
        dim: int,
        operations: Sequence[tuple[bool, float]],
        spec: KineticSpec,
        dtype: str = "float64",
        mode=None,
    ):
        import pytensor
        import pytensor.tensor as pt
        from pytensor.scan.utils import until

        ops = pytensor_ops()
        self.spec = spec
        self.dim = int(dim)
        self.dtype = np.dtype(dtype)
        operations = tuple(operations)

        q0 = pt.vector("q0", dtype=dtype, shape=(dim,))
        p0 = pt.vector("p0", dtype=dtype, shape=(dim,))
        logp0 = pt.scalar("logp0", dtype=dtype)
        grad0 = pt.vector("grad0", dtype=dtype, shape=(dim,))
        energy0 = pt.scalar("energy0", dtype="float64")
        step_size = pt.scalar("step_size", dtype="float64")
        n_steps = pt.scalar("n_steps", dtype="int64")
        emax = pt.scalar("emax", dtype="float64")
        params = []
        for name in spec.parameter_names:
            if name in ("c", "mc"):
                params.append(pt.scalar(name, dtype=dtype))
            elif spec.metric == "diag":
                params.append(pt.vector(name, dtype=dtype, shape=(dim,)))
            else:
                params.append(pt.matrix(name, dtype=dtype, shape=(dim, dim)))

        def one_step(q, p, logp, grad, _q, _p, _logp, _grad, h, e0, e_max, *kinetic_params):
            q1, p1, logp1, grad1, speed, limited = splitting_step(
                ops, operations, log_density_and_grad, spec, kinetic_params, q, p, logp, grad, h
            )
            kinetic, _ = kinetic_energy_and_velocity(ops, spec, p1, kinetic_params)
            error = (kinetic - logp1) - e0
            finite = pt.isfinite(error) & pt.all(pt.isfinite(grad1))
            abs_error = pt.switch(finite, pt.abs(error), np.inf)
            diverged = pt.gt(abs_error, e_max)
            outputs = [q1, p1, logp1, grad1, q, p, logp, grad]
            outputs += [error, abs_error, pt.as_tensor(speed, dtype="float64")]
            outputs += [pt.as_tensor(limited, dtype="float64")]
            return outputs, until(diverged)

        results = pytensor.scan(
            one_step,
            outputs_info=[q0, p0, logp0, grad0, q0, p0, logp0, grad0, None, None, None, None],
            non_sequences=[step_size, energy0, emax, *params],
            n_steps=n_steps,
            strict=True,
            return_updates=False,
        )
        q_seq, p_seq, logp_seq, grad_seq, qp_seq, pp_seq, logpp_seq, gradp_seq = results[:8]
        errors, abs_errors, speeds, limiteds = results[8:]
        p_end = p_seq[-1]
        kinetic_end, v_end = kinetic_energy_and_velocity(ops, spec, p_end, params)
        outputs = [
            q_seq[-1],
            p_end,
            logp_seq[-1],
            grad_seq[-1],
            v_end,
            kinetic_end - logp_seq[-1],
            qp_seq[-1],
            pp_seq[-1],
            logpp_seq[-1],
            gradp_seq[-1],
            errors.shape[0],
            errors[-1],
            pt.max(abs_errors),
            abs_errors[-1] > emax,
            pt.sum(speeds),
            pt.sum(limiteds),
        ]
        inputs = [q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, *params]
        self.function = pytensor.function(inputs, outputs, mode=mode)
        self.function.trust_input = True
        self._n_drifts_per_step = sum(1 for is_kick, _ in operations if not is_kick)

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
    ) -> TrajectoryResult:
        """Integrate ``n_steps`` steps from ``(q0, p0)``; see the class docstring."""
        # trust_input: every input must already be an array of the declared dtype
        # (0-d arrays for scalars).
        dtype = self.dtype
        out = self.function(
            np.ascontiguousarray(q0, dtype=dtype),
            np.ascontiguousarray(p0, dtype=dtype),
            np.asarray(logp0, dtype=dtype),
            np.ascontiguousarray(grad0, dtype=dtype),
            np.asarray(energy0, dtype=np.float64),
            np.asarray(step_size, dtype=np.float64),
            np.asarray(n_steps, dtype=np.int64),
            np.asarray(emax, dtype=np.float64),
            *(_as_input(v, dtype) for v in kinetic_values),
        )
        return TrajectoryResult.from_outputs(out, self._n_drifts_per_step)
