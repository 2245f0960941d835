"""One splitting step and the kinetic energies written once for every array backend.

The compiled trajectories (:mod:`~pymc_symplectic.backends.pytensor_scan` and
:mod:`~pymc_symplectic.backends.jax_loop`) build the same expressions from a
small table of array operations, :class:`ArrayOps`: PyTensor's symbolic tensors
for the Scan, ``jax.numpy`` for the JAX loop. The formulas are those of the
NumPy reference path (:class:`~pymc_symplectic.integrators.SplittingIntegrator`,
:class:`~pymc_symplectic.kinetic.GaussianKinetic`,
:class:`~pymc_symplectic.kinetic.RelativisticKinetic`), in the same order of
operations, so that the compiled and the Python paths agree to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np

__all__ = [
    "KINETIC_KINDS",
    "ArrayOps",
    "KineticSpec",
    "jax_ops",
    "kinetic_energy_and_velocity",
    "pytensor_ops",
    "stage",
    "stage_tables",
]

KINETIC_KINDS = ("gaussian", "relativistic")

#: A drift faster than this fraction of c counts as speed-limited (as in the NumPy path).
SPEED_LIMITED_THRESHOLD = 0.9

ArrayOps = SimpleNamespace
"""The array operations an expression may use: ``sqrt, sum, abs, max, maximum, minimum,
where, isfinite, all, dot, matvec, mean, greater, not_equal, as_float``."""


def pytensor_ops() -> ArrayOps:
    """Return :class:`ArrayOps` on PyTensor's symbolic tensors."""
    import pytensor.tensor as pt

    return ArrayOps(
        sqrt=pt.sqrt,
        sum=pt.sum,
        abs=pt.abs,
        max=pt.max,
        maximum=pt.maximum,
        minimum=pt.minimum,
        where=pt.switch,
        isfinite=pt.isfinite,
        all=pt.all,
        dot=pt.dot,
        matvec=pt.dot,
        mean=pt.mean,
        greater=pt.gt,
        not_equal=pt.neq,
        as_float=lambda x: pt.cast(x, "float64"),
    )


def jax_ops() -> ArrayOps:
    """Return :class:`ArrayOps` on ``jax.numpy``."""
    import jax.numpy as jnp

    return ArrayOps(
        sqrt=jnp.sqrt,
        sum=jnp.sum,
        abs=jnp.abs,
        max=jnp.max,
        maximum=jnp.maximum,
        minimum=jnp.minimum,
        where=jnp.where,
        isfinite=jnp.isfinite,
        all=jnp.all,
        dot=jnp.dot,
        matvec=jnp.dot,
        mean=jnp.mean,
        greater=jnp.greater,
        not_equal=jnp.not_equal,
        as_float=lambda x: jnp.asarray(x, dtype=jnp.float64),
    )


@dataclass(frozen=True)
class KineticSpec:
    r"""Which kinetic energy a compiled trajectory computes, and on which mass matrix.

    The numbers (mass matrix, speed of light) are inputs of the compiled
    function, read at every call, so adaptation never recompiles.

    Attributes
    ----------
    kind
        ``"gaussian"``: :math:`K = p^T M^{-1} p / 2`, velocity :math:`M^{-1} p`.
        ``"relativistic"``: :math:`K = c \sqrt{p^T M^{-1} p + m^2 c^2}`
        (``form="isotropic"``) or :math:`\sum_i c \sqrt{p_i^2 / M_{ii} + m^2 c^2}`
        (``form="per_coordinate"``); Lu et al., AISTATS 2017, eq. (3).
    metric
        ``"diag"``: the inverse mass matrix is a vector; ``"dense"``: a matrix.
    form
        The relativistic form; ``None`` for the Gaussian kinetic energy.
    """

    kind: Literal["gaussian", "relativistic"]
    metric: Literal["diag", "dense"]
    form: Literal["isotropic", "per_coordinate"] | None = None

    def __post_init__(self):
        if self.kind not in KINETIC_KINDS:
            raise ValueError(f"kind must be one of {KINETIC_KINDS}, got {self.kind!r}.")
        if self.metric not in ("diag", "dense"):
            raise ValueError(f"metric must be 'diag' or 'dense', got {self.metric!r}.")
        if self.kind == "relativistic":
            if self.form not in ("isotropic", "per_coordinate"):
                raise ValueError(
                    f"form must be 'isotropic' or 'per_coordinate', got {self.form!r}."
                )
            if self.form == "per_coordinate" and self.metric != "diag":
                raise ValueError("form='per_coordinate' needs metric='diag'.")
        elif self.form is not None:
            raise ValueError(f"form is only for the relativistic kind, got {self.form!r}.")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        r"""Names of the numeric inputs, in the order the compiled function takes them.

        ``inverse_mass`` (:math:`M^{-1}`, vector or matrix); for the relativistic
        kind also ``whitening`` (diag: :math:`\sqrt{M^{-1}}`; dense: the Cholesky
        factor C of :math:`M^{-1} = C C^T`, applied as :math:`C^T p`), ``c`` and
        ``mc`` (the product :math:`m c`).
        """
        if self.kind == "gaussian":
            return ("inverse_mass",)
        return ("inverse_mass", "whitening", "c", "mc")

    @property
    def records_speed(self) -> bool:
        """Whether drifts record their speed (relativistic kinetic energies)."""
        return self.kind == "relativistic"


def _inverse_apply(ops: ArrayOps, spec: KineticSpec, inverse_mass, x):
    return inverse_mass * x if spec.metric == "diag" else ops.matvec(inverse_mass, x)


def _hypot(ops: ArrayOps, a, b):
    """``sqrt(a^2 + b^2)`` for ``b > 0`` without overflow (as ``numpy.hypot``)."""
    hi = ops.maximum(ops.abs(a), b)
    lo = ops.minimum(ops.abs(a), b)
    return hi * ops.sqrt(1.0 + (lo / hi) * (lo / hi))


def _scaled_norm(ops: ArrayOps, y):
    """Euclidean norm of ``y`` scaled by its largest entry, so that it does not overflow."""
    scale = ops.max(ops.abs(y))
    usable = ops.isfinite(scale) & ops.greater(scale, 0.0)
    safe = ops.where(usable, scale, 1.0)
    return ops.where(usable, safe * ops.sqrt(ops.dot(y / safe, y / safe)), scale)


def _relativistic_root(ops: ArrayOps, spec: KineticSpec, p, params):
    _, whitening, _, mc = params
    y = whitening * p if spec.metric == "diag" else ops.matvec(whitening.T, p)
    if spec.form == "per_coordinate":
        return y, _hypot(ops, y, mc)
    return y, _hypot(ops, _scaled_norm(ops, y), mc)


def kinetic_energy_and_velocity(ops: ArrayOps, spec: KineticSpec, p, params: Sequence[Any]):
    """Return ``(K(p), dK/dp)`` for the kinetic energy ``spec`` with numeric ``params``."""
    inverse_mass = params[0]
    if spec.kind == "gaussian":
        v = _inverse_apply(ops, spec, inverse_mass, p)
        return 0.5 * ops.dot(p, v), v
    c = params[2]
    _, root = _relativistic_root(ops, spec, p, params)
    return c * ops.sum(root), c * _inverse_apply(ops, spec, inverse_mass, p / root)


def _velocity_and_speed(ops: ArrayOps, spec: KineticSpec, p, params):
    """Return ``(dK/dp, mean speed fraction, share of coordinates above 0.9 c)`` of one drift."""
    if spec.kind == "gaussian":
        return _inverse_apply(ops, spec, params[0], p), 0.0, 0.0
    c = params[2]
    y, root = _relativistic_root(ops, spec, p, params)
    v = c * _inverse_apply(ops, spec, params[0], p / root)
    if spec.form == "per_coordinate":
        speed = ops.abs(y) / root
        return (
            v,
            ops.mean(speed),
            ops.mean(ops.as_float(ops.greater(speed, SPEED_LIMITED_THRESHOLD))),
        )
    speed = _scaled_norm(ops, y) / root
    return v, speed, ops.as_float(ops.greater(speed, SPEED_LIMITED_THRESHOLD))


def stage_tables(operations: Sequence[tuple[bool, float]]) -> tuple[np.ndarray, np.ndarray]:
    r"""Write a splitting scheme as s stages "kick, drift" and a closing kick.

    A table alternating kicks and drifts is padded with zero kicks where it
    starts or ends with a drift, giving kicks :math:`a_0, \dots, a_s` and drifts
    :math:`b_0, \dots, b_{s-1}`: one step is
    :math:`K_{a_0} D_{b_0} K_{a_1} \cdots D_{b_{s-1}} K_{a_s}`, and a zero kick is
    skipped, so the step is the table's own. Leapfrog: a = (1/2, 1/2), b = (1,);
    position Verlet: a = (0, 1, 0), b = (1/2, 1/2).

    Returns
    -------
    kicks, drifts
        Float64 arrays of lengths s + 1 and s.
    """
    kicks: list[float] = []
    drifts: list[float] = []
    expect_kick = True
    for is_kick, coefficient in operations:
        if is_kick:
            if not expect_kick:
                raise ValueError("a splitting table must alternate kicks and drifts.")
            kicks.append(float(coefficient))
        else:
            if expect_kick:
                kicks.append(0.0)
            drifts.append(float(coefficient))
        expect_kick = not is_kick
    if expect_kick:
        kicks.append(0.0)
    return np.array(kicks), np.array(drifts)


def stage(
    ops: ArrayOps,
    log_density_and_grad: Callable,
    spec: KineticSpec,
    params: Sequence[Any],
    state: tuple,
    step_size,
    kick,
    drift,
    closing_kick,
    is_last,
):
    r"""One stage of a splitting step: kick, drift, gradient, and the closing kick if last.

    :math:`p \leftarrow p + (a_j h) \nabla \log \pi(q)`, then
    :math:`q \leftarrow q + (b_j h)\, \partial K / \partial p`, then the gradient
    at the new q; in the last stage of a step also
    :math:`p \leftarrow p + (a_s h) \nabla \log \pi(q)`. Zero kicks are skipped
    (selected away, so a non-finite gradient cannot leak in as 0 * inf). The
    order of operations is that of
    :meth:`pymc_symplectic.integrators.SplittingIntegrator.step`, so a compiled
    loop of stages reproduces it to rounding (Hairer, Lubich & Wanner 2006,
    sec. II.5). The gradient is evaluated once per stage: one per drift.

    Parameters
    ----------
    state
        ``(q, p, logp, grad)``.
    kick, drift, closing_kick
        :math:`a_j`, :math:`b_j` and :math:`a_s` (scalars, possibly traced).
    is_last
        Whether this is the step's last stage (a traced boolean).

    Returns
    -------
    tuple
        ``((q, p, logp, grad), speed, limited)``: the new state, and the drift's
        mean speed fraction and share of speed-limited coordinates (0 for a
        Gaussian K).
    """
    q, p, logp, grad = state
    p = ops.where(ops.not_equal(kick, 0.0), p + (kick * step_size) * grad, p)
    v, speed, limited = _velocity_and_speed(ops, spec, p, params)
    q = q + (drift * step_size) * v
    logp, grad = log_density_and_grad(q)
    closes = is_last & ops.not_equal(closing_kick, 0.0)
    p = ops.where(closes, p + (closing_kick * step_size) * grad, p)
    return (q, p, logp, grad), speed, limited
