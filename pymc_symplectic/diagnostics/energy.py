"""The energy error of an integrator on a model's posterior, against the step size."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pymc_symplectic._checks import check_integer, check_non_negative, check_positive, check_rng
from pymc_symplectic.diagnostics._validate import check_kinetic, check_model
from pymc_symplectic.diagnostics.model_space import model_log_density, unconstrained_points
from pymc_symplectic.dynamics import Hamiltonian, resolve_integrator, simulate
from pymc_symplectic.errors import IntegrationError
from pymc_symplectic.integrators.base import Integrator
from pymc_symplectic.kinetic import GaussianKinetic, KineticEnergy

__all__ = ["EnergyErrorCurve", "energy_error_curve", "fit_order"]


def fit_order(step_sizes, errors, floor: float = 0.0) -> float:
    """Least-squares slope of log(error) against log(step size), over errors above ``floor``.

    Returns NaN when fewer than two errors are finite and above ``floor``.

    Raises
    ------
    ValueError
        If ``step_sizes`` and ``errors`` are not numeric 1-d arrays of one length, or
        ``floor`` is not a finite number >= 0.
    """
    h = _numeric_1d("step_sizes", step_sizes)
    e = _numeric_1d("errors", errors)
    if h.shape != e.shape:
        raise ValueError(
            f"step_sizes and errors must have the same length, got {h.size} and {e.size}."
        )
    floor = check_non_negative("floor", floor)
    keep = np.isfinite(e) & (e > floor) & (e > 0) & (h > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(h[keep]), np.log(e[keep]), 1)[0])


@dataclass(frozen=True)
class EnergyErrorCurve:
    r"""Energy error :math:`|H(q_N, p_N) - H(q_0, p_0)|` after a fixed integration time.

    Attributes
    ----------
    integrator
        Name of the integrator.
    order
        Its declared order.
    step_sizes
        Step sizes used, shape ``(m,)``; each divides ``integration_time`` exactly.
    errors
        :math:`|\Delta H|` per start point and step size, shape ``(n_points, m)``
        (``inf`` where the integration failed or overflowed).
    grad_evals
        Gradient evaluations of one trajectory per step size, shape ``(m,)``.
    integration_time
        The fixed time :math:`T = N h`.
    slope
        Fitted slope of log mean error against log step size: the empirical order.
    floor
        Errors at or below this round-off level were left out of the fit.
    """

    integrator: str
    order: int
    step_sizes: np.ndarray
    errors: np.ndarray
    grad_evals: np.ndarray
    integration_time: float
    slope: float
    floor: float

    @property
    def mean_error(self) -> np.ndarray:
        r"""Mean :math:`|\Delta H|` over start points, per step size."""
        return self.errors.mean(axis=0)


def _numeric_1d(name: str, value) -> np.ndarray:
    if value is None or isinstance(value, str | bytes):  # asarray would give nan or fail late
        raise ValueError(f"{name} must be a 1-d sequence of numbers, got {value!r}.")
    try:
        array = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-d sequence of numbers, got {value!r}.") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d sequence of numbers, got shape {array.shape}.")
    return array


def _step_sizes(step_sizes, integration_time: float) -> np.ndarray:
    if step_sizes is None or isinstance(step_sizes, str | bytes):
        raise ValueError(f"step_sizes must be a sequence of numbers, got {step_sizes!r}.")
    try:
        values = np.atleast_1d(np.asarray(step_sizes, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(
            f"step_sizes must be a sequence of at least two numbers, got {step_sizes!r}."
        ) from None
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"step_sizes must hold at least two step sizes, got {step_sizes!r}.")
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"step_sizes must be positive and finite, got {step_sizes!r}.")
    counts = np.maximum(1, np.round(integration_time / values)).astype(int)
    return integration_time / counts


def energy_error_curve(
    model,
    integrator: str | Integrator,
    step_sizes: Sequence[float],
    points=None,
    *,
    n_points: int = 8,
    integration_time: float = 1.0,
    kinetic: KineticEnergy | None = None,
    random_seed=0,
) -> EnergyErrorCurve:
    r"""Measure an integrator's energy error on a model against the step size.

    From each start point :math:`q_0` a momentum :math:`p_0 \sim e^{-K}` is drawn
    (once, shared by all step sizes) and Hamilton's equations of
    :math:`H = -\log\pi(q) + K(p)` are integrated to the fixed time :math:`T`
    with :math:`N = T/h` steps. For an integrator of order :math:`r` the global
    error after a fixed time is :math:`O(h^r)` (Hairer, Lubich & Wanner,
    *Geometric Numerical Integration*, 2nd ed., 2006, Thm. II.3.4), and so is
    :math:`|\Delta H|`; the fitted slope of :math:`\log \overline{|\Delta H|}`
    against :math:`\log h` is the empirical order on this model. It measures the
    integrator in the geometry HMC really sees (the log density with its
    transforms' Jacobians), not only on the harmonic oscillator.

    Parameters
    ----------
    model
        A :class:`pymc.Model`.
    integrator
        Registered name or :class:`~pymc_symplectic.integrators.Integrator`.
    step_sizes
        At least two step sizes; each is rounded so that ``T / h`` is an integer.
        Choose them in the asymptotic regime: small enough that the error
        follows :math:`h^r`, large enough that it stays above round-off.
    points
        Start points: ``None`` (the initial point jittered), posterior draws (a
        DataTree sampled with ``idata_kwargs={"include_transformed": True}``), or
        arrays; see :func:`~pymc_symplectic.diagnostics.unconstrained_points`.
    n_points
        Number of start points (``None``: all the draws of a DataTree ``points``).
    integration_time
        The fixed time :math:`T`.
    kinetic
        Kinetic energy; default :math:`K = |p|^2/2`. Pass e.g.
        ``GaussianKinetic(posterior_variances)`` to mimic an adapted diagonal mass matrix.
    random_seed
        Seed of the points and momenta.

    Returns
    -------
    EnergyErrorCurve
        Errors per point and step size, with the fitted slope. Errors below
        :math:`10^3 \epsilon \max |H_0|` are round-off and are left out of the fit.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model`` or ``kinetic`` not a KineticEnergy.
    ValueError
        For an unknown integrator, a model without (or with discrete) free
        variables, or an invalid step size, count, time, point or seed; before
        anything is compiled where the model is not needed to tell.
    """
    method = resolve_integrator(integrator)
    integration_time = check_positive("integration_time", integration_time)
    h = _step_sizes(step_sizes, integration_time)
    n_points = check_integer("n_points", n_points, 1, allow_none=True)
    rng = check_rng(random_seed)
    check_model(model)
    log_density, dim = model_log_density(model)
    kinetic = GaussianKinetic.identity(dim) if kinetic is None else check_kinetic(kinetic, dim)
    starts = unconstrained_points(model, points, n_points=n_points, random_seed=rng)
    hamiltonian = Hamiltonian.from_log_density(log_density, kinetic)

    errors = np.full((starts.shape[0], h.size), np.inf)
    grads = np.zeros(h.size)
    scale = 0.0
    for i, q0 in enumerate(starts):
        p0 = kinetic.sample(rng)
        for j, step in enumerate(h):
            n_steps = max(1, round(integration_time / step))
            try:
                with np.errstate(all="ignore"):
                    run = simulate(method, hamiltonian, q0, p0, float(step), n_steps)
            except (IntegrationError, FloatingPointError, np.linalg.LinAlgError, ValueError):
                continue
            scale = max(scale, abs(float(run.energy[0])))
            error = abs(float(run.energy[-1] - run.energy[0]))
            errors[i, j] = error if math.isfinite(error) else np.inf
            grads[j] = run.n_grad_evals
    floor = 1e3 * np.finfo(float).eps * max(scale, 1.0)
    mean = errors.mean(axis=0)
    return EnergyErrorCurve(
        integrator=method.name,
        order=int(method.order),
        step_sizes=h,
        errors=errors,
        grad_evals=grads,
        integration_time=float(integration_time),
        slope=fit_order(h, mean, floor),
        floor=float(floor),
    )
