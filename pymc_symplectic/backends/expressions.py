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

__all__ = [
    "KINETIC_KINDS",
    "ArrayOps",
    "KineticSpec",
    "jax_ops",
    "kinetic_energy_and_velocity",
    "pytensor_ops",
    "splitting_step",
]

KINETIC_KINDS = ("gaussian", "relativistic")

#: A drift faster than this fraction of c counts as speed-limited (as in the NumPy path).
SPEED_LIMITED_THRESHOLD = 0.9

ArrayOps = SimpleNamespace
"""The array operations an expression may use: ``sqrt, sum, abs, max, maximum, minimum,
where, isfinite, all, dot, matvec, mean, greater``."""


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


def splitting_step(
    ops: ArrayOps,
    operations: Sequence[tuple[bool, float]],
    log_density_and_grad: Callable,
    spec: KineticSpec,
    params: Sequence[Any],
    q,
    p,
    logp,
    grad,
    step_size,
):
    r"""One step of a splitting scheme, unrolled from its table.

    Kicks :math:`p \leftarrow p + (a_i h) \nabla \log \pi(q)` and drifts
    :math:`q \leftarrow q + (b_i h) \partial K/\partial p` in the table's order,
    evaluating the gradient lazily after a drift, exactly as
    :meth:`pymc_symplectic.integrators.SplittingIntegrator.step` does
    (Hairer, Lubich & Wanner 2006, sec. II.5).

    Returns
    -------
    tuple
        ``(q, p, logp, grad, speed_sum, limited_sum)``: the new state and, for a
        relativistic K, the sums over this step's drifts of the mean speed
        fraction and of the share of speed-limited coordinates (zero otherwise).
    """
    grad_is_current = True
    speed_sum = 0.0
    limited_sum = 0.0
    for is_kick, coefficient in operations:
        if is_kick:
            if not grad_is_current:
                logp, grad = log_density_and_grad(q)
                grad_is_current = True
            p = p + (coefficient * step_size) * grad
        else:
            v, speed, limited = _velocity_and_speed(ops, spec, p, params)
            q = q + (coefficient * step_size) * v
            speed_sum = speed_sum + speed
            limited_sum = limited_sum + limited
            grad_is_current = False
    if not grad_is_current:
        logp, grad = log_density_and_grad(q)
    return q, p, logp, grad, speed_sum, limited_sum
