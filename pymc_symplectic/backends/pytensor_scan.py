"""A whole HMC trajectory as one PyTensor ``Scan``, compiled by Numba or C."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pymc_symplectic.backends.expressions import (
    KineticSpec,
    kinetic_energy_and_velocity,
    pytensor_ops,
    stage,
)
from pymc_symplectic.backends.result import TrajectoryResult, trajectory_arguments

__all__ = ["ScanTrajectory"]


class ScanTrajectory:
    r"""A fixed-length trajectory compiled into one PyTensor function.

    The loop is a while-``Scan`` (``until``) over the stages of the steps
    (:func:`~pymc_symplectic.backends.expressions.stage`: kick, drift, gradient),
    so the model's graph appears once in the loop body whatever the scheme: the
    scheme's coefficients are inputs, and one compiled function serves every
    splitting integrator. At the end of each step it computes
    :math:`\Delta H = H(q, p) - H(q_0, p_0)` and stops after ``n_steps`` steps
    or at the first divergence: a non-finite energy or gradient, or
    :math:`|\Delta H| >` ``emax``, the rule of the Python path (PyMC's HMC;
    Betancourt 2017, arXiv:1701.02434, sec. 6.2). The step size, the number of
    steps, ``emax`` and the kinetic energy's numbers (mass matrix, speed of
    light) are inputs too, so jitter and adaptation never recompile.

    Parameters
    ----------
    x
        The position vector the log density is a graph of.
    inputs
        The graph's other inputs (data, other blocks' values), passed at every call.
    logp, grad
        The log density and its gradient, graphs of ``x`` and ``inputs``.
    dim
        Length of the position vector.
    spec
        The kinetic energy.
    dtype
        Floating dtype of positions and momenta.
    mode
        PyTensor compilation mode (``"NUMBA"``, ``"CVM"``, a ``Mode``, ...).
    """

    def __init__(
        self,
        x,
        inputs: Sequence,
        logp,
        grad,
        *,
        dim: int,
        spec: KineticSpec,
        dtype: str = "float64",
        mode=None,
    ):
        import pytensor
        import pytensor.tensor as pt
        from pytensor.graph.replace import graph_replace
        from pytensor.scan.utils import until

        inputs = list(inputs)

        ops = pytensor_ops()
        self.spec = spec
        self.dim = int(dim)
        self.dtype = np.dtype(dtype)

        q0 = pt.vector("q0", dtype=dtype, shape=(dim,))
        p0 = pt.vector("p0", dtype=dtype, shape=(dim,))
        logp0 = pt.scalar("logp0", dtype=dtype)
        grad0 = pt.vector("grad0", dtype=dtype, shape=(dim,))
        energy0 = pt.scalar("energy0", dtype="float64")
        step_size = pt.scalar("step_size", dtype="float64")
        n_steps = pt.scalar("n_steps", dtype="int64")
        emax = pt.scalar("emax", dtype="float64")
        kicks = pt.vector("kicks", dtype="float64")
        drifts = pt.vector("drifts", dtype="float64")
        params = []
        for name in spec.parameter_names:
            if name in ("c", "mc"):
                params.append(pt.scalar(name, dtype=dtype))
            elif spec.metric == "diag":
                params.append(pt.vector(name, dtype=dtype, shape=(dim,)))
            else:
                params.append(pt.matrix(name, dtype=dtype, shape=(dim, dim)))
        n_stages = drifts.shape[0]

        def one_stage(i, *carry_and_constants):
            state = carry_and_constants[0:4]
            step_start = carry_and_constants[4:8]
            before = carry_and_constants[8:12]
            h, e0, e_max, a, b, *rest = carry_and_constants[12:]
            kinetic_params, inner_inputs = rest[: len(params)], rest[len(params) :]
            replacements = dict(zip([x, *inputs], [None, *inner_inputs], strict=True))

            def log_density_and_grad(q):
                replacements[x] = q
                return graph_replace([logp, grad], replacements, strict=False)

            j = i % n_stages
            is_last = pt.eq(j, n_stages - 1)
            new, speed, limited = stage(
                ops,
                log_density_and_grad,
                spec,
                kinetic_params,
                state,
                h,
                a[j],
                b[j],
                a[n_stages],
                is_last,
            )
            kinetic, _ = kinetic_energy_and_velocity(ops, spec, new[1], kinetic_params)
            error = (kinetic - new[2]) - e0
            finite = pt.isfinite(error) & pt.all(pt.isfinite(new[3]))
            abs_error = pt.switch(finite, pt.abs(error), np.inf)
            diverged = is_last & pt.gt(abs_error, e_max)
            # At a step's end, the step's start becomes "the state one step before".
            new_before = [pt.switch(is_last, x, y) for x, y in zip(step_start, before, strict=True)]
            new_start = [pt.switch(is_last, x, y) for x, y in zip(new, step_start, strict=True)]
            outputs = [*new, *new_start, *new_before]
            outputs += [
                pt.switch(is_last, error, 0.0),
                pt.switch(is_last, abs_error, 0.0),
                pt.as_tensor(speed, dtype="float64"),
                pt.as_tensor(limited, dtype="float64"),
            ]
            return outputs, until(diverged)

        start = [q0, p0, logp0, grad0]
        results = pytensor.scan(
            one_stage,
            sequences=[pt.arange(n_steps * n_stages, dtype="int64")],
            outputs_info=[*start, *start, *start, None, None, None, None],
            non_sequences=[step_size, energy0, emax, kicks, drifts, *params, *inputs],
            strict=True,
            return_updates=False,
        )
        q_seq, p_seq, logp_seq, grad_seq = results[0:4]
        before = [r[-1] for r in results[8:12]]
        errors, abs_errors, speeds, limiteds = results[12:]
        p_end = p_seq[-1]
        kinetic_end, v_end = kinetic_energy_and_velocity(ops, spec, p_end, params)
        outputs = [
            q_seq[-1],
            p_end,
            logp_seq[-1],
            grad_seq[-1],
            v_end,
            kinetic_end - logp_seq[-1],
            *before,
            errors.shape[0] // n_stages,
            errors[-1],
            pt.max(abs_errors),
            abs_errors[-1] > emax,
            pt.sum(speeds),
            pt.sum(limiteds),
        ]
        self.function = pytensor.function(
            [q0, p0, logp0, grad0, energy0, step_size, n_steps, emax, kicks, drifts]
            + [*params, *inputs],
            outputs,
            mode=mode,
        )
        self.function.trust_input = True

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
        """Integrate ``n_steps`` steps of the scheme ``stages`` (:func:`stage_tables`)."""
        # trust_input: trajectory_arguments gives every input its declared dtype.
        arguments = trajectory_arguments(
            self.dtype,
            q0,
            p0,
            logp0,
            grad0,
            energy0,
            step_size,
            n_steps,
            emax,
            stages,
            kinetic_values,
        )
        out = self.function(*arguments, *(np.asarray(v) for v in input_values))
        return TrajectoryResult.from_outputs(out, len(stages[1]))
