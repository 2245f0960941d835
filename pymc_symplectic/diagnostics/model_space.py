"""A PyMC model's log density and points in its unconstrained (sampling) space."""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from pymc_symplectic._checks import check_integer, check_non_negative, check_rng
from pymc_symplectic.diagnostics._validate import check_model

__all__ = ["model_log_density", "unconstrained_points", "value_var_names"]

# One compiled log density per model: compiling dominates the cost of the diagnostics.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def value_var_names(model) -> list[str]:
    """Names of the model's continuous value variables, in the order PyMC ravels them.

    ``model.logp_dlogp_function(ravel_inputs=True)`` takes the concatenation of
    these variables, each raveled in C order (e.g. ``["mu", "tau_log__", "theta"]``).
    """
    return [v.name for v in check_model(model, need_variables=False).continuous_value_vars]


def model_log_density(model) -> tuple[Callable[[np.ndarray], tuple[float, np.ndarray]], int]:
    """Compile the model's log density and gradient on the raveled unconstrained space.

    Parameters
    ----------
    model
        A :class:`pymc.Model`.

    Returns
    -------
    function, int
        ``f(q) -> (log density, gradient)`` (float and float64 array, for
        :meth:`pymc_symplectic.dynamics.Hamiltonian.from_log_density`) and the
        dimension of ``q``. The log density includes the log-Jacobians of the
        transforms, as PyMC's samplers see it. Compiled once per model and cached.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model``.
    ValueError
        If it has no free random variables or discrete ones.
    """
    check_model(model)
    try:
        return _COMPILED[model]
    except (KeyError, TypeError):
        pass
    fn = model.logp_dlogp_function(ravel_inputs=True)
    dtype = np.dtype(fn.dtype)
    point = model.initial_point()
    dim = int(sum(np.asarray(point[name]).size for name in value_var_names(model)))

    def log_density_and_grad(q: np.ndarray) -> tuple[float, np.ndarray]:
        logp, grad = fn(np.ascontiguousarray(q, dtype=dtype))
        return float(logp), np.asarray(grad, dtype=float)

    try:
        _COMPILED[model] = (log_density_and_grad, dim)
    except TypeError:  # a model that can not be weakly referenced is compiled each time
        pass
    return log_density_and_grad, dim


def _flatten(model, point: dict) -> np.ndarray:
    names = value_var_names(model)
    missing = [name for name in names if name not in point]
    if missing:
        raise ValueError(
            f"points lacks the unconstrained value variables {missing}; a dict point maps "
            f"every name of {names} to its value."
        )
    try:
        return np.concatenate([np.asarray(point[name], dtype=float).ravel() for name in names])
    except (TypeError, ValueError):
        raise ValueError(f"points must hold numeric values, got {point!r}.") from None


def unconstrained_points(
    model,
    points=None,
    *,
    n_points: int | None = 8,
    random_seed=0,
    jitter: float = 1.0,
) -> np.ndarray:
    r"""Return points of the raveled unconstrained space, shape ``(n, d)``.

    Parameters
    ----------
    model
        A :class:`pymc.Model`.
    points
        - ``None``: the model's initial point plus :math:`U(-\text{jitter}, \text{jitter})`
          noise per coordinate (``n_points`` of them);
        - a DataTree from ``pm.sample``: posterior draws, read from the value
          variables (``tau_log__``, ...), which PyMC stores only when sampled with
          ``idata_kwargs={"include_transformed": True}`` (``n_points`` of them,
          drawn without replacement; all when ``None``);
        - a dict from value-variable names to values (one point);
        - an array ``(n, d)`` or ``(d,)`` of raveled unconstrained points.
    n_points
        How many points to return (``None``: all the draws of a DataTree).
    random_seed
        Seed of the jitter or of the choice of draws.
    jitter
        Half-width of the jitter around the initial point.

    Returns
    -------
    numpy.ndarray
        ``(n, d)`` points, coordinates in the order of :func:`value_var_names`.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model``.
    ValueError
        If the model has no or discrete free variables, a DataTree lacks its
        posterior or a transformed value variable, an array has the wrong width
        or non-finite entries, or ``n_points``, ``jitter`` or ``random_seed`` is invalid.
    """
    check_model(model)
    n_points = check_integer("n_points", n_points, 1, allow_none=True)
    jitter = check_non_negative("jitter", jitter)
    rng = check_rng(random_seed)
    names = value_var_names(model)
    centre = _flatten(model, model.initial_point())
    dim = centre.size
    if points is None:
        n = 8 if n_points is None else n_points
        return centre + rng.uniform(-jitter, jitter, size=(n, dim))
    if isinstance(points, dict):
        return _check_finite(_flatten(model, points)[None, :])
    if hasattr(points, "children") or hasattr(points, "groups"):  # a DataTree
        if "posterior" not in points:
            raise ValueError(
                "points is a DataTree without a posterior group; pass the result of "
                "pm.sample(..., idata_kwargs={'include_transformed': True})."
            )
        posterior = points["posterior"]
        missing = [name for name in names if name not in posterior]
        if missing:
            raise ValueError(
                f"the posterior lacks the unconstrained value variables {missing}; sample with "
                "pm.sample(..., idata_kwargs={'include_transformed': True}) or pass the points "
                "as an array."
            )
        columns = []
        for name in names:
            values = np.asarray(posterior[name].transpose("chain", "draw", ...), dtype=float)
            columns.append(values.reshape(values.shape[0] * values.shape[1], -1))
        draws = np.concatenate(columns, axis=1)
        if n_points is not None and n_points < draws.shape[0]:
            draws = draws[rng.choice(draws.shape[0], size=n_points, replace=False)]
        return draws
    try:
        array = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "points must be None, a DataTree, a dict of value variables or a numeric array "
            f"(n, {dim}), got {points!r}."
        ) from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(
            f"points must be shaped (n, {dim}) (the model's unconstrained dimension), "
            f"got {array.shape}."
        )
    return _check_finite(array)


def _check_finite(array: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise ValueError(f"points must be finite, got {array!r}.")
    return array
