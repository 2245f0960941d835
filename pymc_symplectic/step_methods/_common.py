"""Argument checks and defaults shared by the Hamiltonian step methods."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.stats

from pymc_symplectic import integrators as _integrators
from pymc_symplectic._checks import check_positive
from pymc_symplectic._pymc_compat import (
    KINETIC_ENERGIES,
    METRICS,
    PyMCIntegratorAdapter,
    check_kinetic_object,
    default_float_dtype,
    get_random_generator,
    is_continuous,
    make_potential_and_kinetic,
    model_context,
    model_size,
    resolve_value_vars,
)
from pymc_symplectic.integrators.base import Integrator

__all__ = [
    "CheckedModel",
    "HamiltonianParts",
    "attach_integrator",
    "checked_dtype",
    "checked_model_size",
    "checked_rng",
    "continuous_vars",
    "default_target_accept",
    "prepare_hamiltonian",
    "initial_step_ratio",
    "resolve_hmc_integrator",
    "validate_common",
    "validate_dual_averaging",
    "validate_target_accept",
]


def initial_step_ratio(integrator: Integrator) -> float:
    """Return the scheme's linear stability limit over leapfrog's (1 for non-splitting methods).

    See :attr:`pymc_symplectic.integrators.SplittingIntegrator.stability_limit`.
    """
    limit = getattr(integrator, "stability_limit", math.nan)
    return 1.0 if math.isnan(limit) else limit / _integrators.get("leapfrog").stability_limit


def default_target_accept(order: int) -> float:
    r"""Return the asymptotically optimal mean acceptance rate for an integrator of ``order``.

    Beskos, Pillai, Roberts, Sanz-Serna & Stuart (2013), "Optimal tuning of the
    hybrid Monte Carlo algorithm", Bernoulli 19(5A), 1501-1534: in dimension
    :math:`d \to \infty`, with step :math:`h = l d^{-1/(2r)}` for an integrator of
    order :math:`r`, the energy error is :math:`N(\mu, 2\mu)` with
    :math:`\mu \propto l^{2r}`, the acceptance rate is
    :math:`a = 2\Phi(-u)` with :math:`u \propto l^r`, and the work per unit time
    is :math:`\propto 1/h`. Maximising :math:`l\,a(l) \propto u^{1/r}\Phi(-u)` gives
    :math:`\Phi(-u) = r\,u\,\varphi(u)`. For :math:`r = 2` this is their 0.651;
    the paper notes the optimum rises with the order: 0.796 for :math:`r = 4`,
    0.856 for 6, 0.888 for 8. Rounded to two decimals.
    """
    r = int(order)
    if r < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}.")

    def stationarity(u):
        return scipy.stats.norm.cdf(-u) - r * u * scipy.stats.norm.pdf(u)

    u = scipy.optimize.brentq(stationarity, 1e-9, 20.0)
    return round(float(2 * scipy.stats.norm.cdf(-u)), 2)


def validate_target_accept(target_accept) -> float:
    """Return ``target_accept`` as a float, or raise ``ValueError`` unless it lies in (0, 1)."""
    if (
        not isinstance(target_accept, numbers.Real)
        or isinstance(target_accept, bool)
        or not 0 < target_accept < 1
    ):
        raise ValueError(
            f"target_accept must be a number in the open interval (0, 1), got {target_accept!r}."
        )
    return float(target_accept)


def checked_rng(rng):
    """Return PyMC's generator for ``rng``; ``ValueError`` naming ``rng`` when it is not a seed."""
    try:
        return get_random_generator(rng)
    except (TypeError, ValueError):
        raise ValueError(
            "rng must be None, a non-negative integer, a SeedSequence or a numpy Generator, "
            f"got {rng!r}."
        ) from None


def checked_dtype(dtype) -> str:
    """Return the name of a floating dtype (PyTensor's floatX for ``None``)."""
    if dtype is None:
        return default_float_dtype()
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind != "f":
        raise ValueError(f"dtype must be a floating dtype such as 'float64', got {dtype!r}.")
    return np.dtype(dtype).name


def checked_model_size(model, vars, initial_point) -> int:
    """Return :func:`model_size`, refusing an ``initial_point`` that lacks a sampled variable."""
    if initial_point is not None:
        if not isinstance(initial_point, Mapping):
            raise ValueError(
                "initial_point must be a dict of value-variable names to values, "
                f"got {initial_point!r}."
            )
        missing = [v.name for v in vars if v.name not in initial_point]
        if missing:
            raise ValueError(
                f"initial_point lacks the sampled value variables {missing}; "
                f"it has {sorted(initial_point)}."
            )
    return model_size(model, vars, initial_point)


def _check_flag(name: str, value) -> None:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}.")


def validate_common(
    *,
    kinetic,
    metric,
    compile_kwargs,
    scaling,
    potential,
    adapt_step_size=True,
    is_cov=False,
    blocked=True,
) -> None:
    """Check the arguments every Hamiltonian step method takes, before any compilation."""
    _check_flag("adapt_step_size", adapt_step_size)
    _check_flag("is_cov", is_cov)
    _check_flag("blocked", blocked)
    if not isinstance(kinetic, str):
        check_kinetic_object(kinetic)  # TypeError naming what is missing
    elif kinetic not in KINETIC_ENERGIES:
        raise ValueError(
            f"kinetic={kinetic!r} is not supported; use one of {', '.join(KINETIC_ENERGIES)}."
        )
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is not supported; use one of {', '.join(METRICS)}.")
    if compile_kwargs is not None and not isinstance(compile_kwargs, dict):
        raise ValueError(f"compile_kwargs must be a dict, got {compile_kwargs!r}.")
    if scaling is not None and potential is not None:
        raise ValueError(
            "Can not specify both potential and scaling: pass a QuadPotential "
            "or a scaling (with is_cov), not both."
        )
    if kinetic == "relativistic" and not hasattr(potential, "adapt_speed_of_light"):
        raise ValueError(
            "kinetic='relativistic' is built by RelativisticHMC and RelativisticNUTS, which "
            "adapt the mass matrix and the speed of light: use those step methods."
        )


def resolve_hmc_integrator(integrator) -> Integrator:
    """Return the :class:`Integrator` for a registered name or object; refuse non-HMC-valid ones.

    Raises
    ------
    ValueError
        For an unknown name or another type (listing the registered names), or
        for an integrator that is not symplectic and symmetric (naming the valid ones).
    """
    if isinstance(integrator, str):
        method = _integrators.get(integrator)  # ValueError listing the names when unknown
    elif isinstance(integrator, Integrator):
        method = integrator
    else:
        raise ValueError(
            "integrator must be a registered name or an Integrator, got "
            f"{integrator!r}. Registered: {', '.join(_integrators.available())}."
        )
    if not method.hmc_valid:
        valid = [n for n in _integrators.available() if _integrators.get(n).hmc_valid]
        missing = [
            what
            for what, ok in (("symplectic", method.symplectic), ("symmetric", method.symmetric))
            if not ok
        ]
        raise ValueError(
            f"integrator={method.name!r} is not {' and '.join(missing)}. HMC's Metropolis "
            "correction min(1, exp(-dH)) satisfies detailed balance only for a "
            "volume-preserving (symplectic) and reversible (symmetric) map. Use one of: "
            f"{', '.join(valid)}."
        )
    return method


def continuous_vars(vars, model, step_name: str) -> list:
    """Return the value variables a gradient-based step ``step_name`` samples.

    ``vars=None`` means all continuous variables of ``model``; discrete ones are
    refused with a ``ValueError`` naming them and the step method to use instead.
    """
    if isinstance(vars, list | tuple) and not vars:
        raise ValueError(
            f"vars must hold at least one variable, got {vars!r}; vars=None samples every "
            "continuous variable."
        )
    if vars is None:
        continuous = model.continuous_value_vars
        if not continuous:
            names = [v.name for v in model.value_vars]
            raise ValueError(
                f"{step_name} needs continuous variables, but every free variable of the "
                f"model is discrete: {names}. Use a step method for discrete variables "
                "(e.g. pm.Metropolis) instead."
            )
        return continuous
    try:
        value_vars = resolve_value_vars(vars if isinstance(vars, list | tuple) else [vars], model)
    except AttributeError:
        raise ValueError(
            f"vars must be variables of the model or their names, got {vars!r}."
        ) from None
    discrete = [v.name for v in value_vars if not is_continuous(v)]
    if discrete:
        raise ValueError(
            f"{step_name} can not sample the discrete variables {discrete}; pass only "
            "continuous variables in vars and let PyMC assign a discrete step method "
            "(e.g. pm.Metropolis) to the others."
        )
    return value_vars


@dataclass(frozen=True)
class HamiltonianParts:
    """What a Hamiltonian step needs before PyMC's base class is initialised."""

    model: object
    vars: list
    dtype: object
    rng: object
    potential: object
    kinetic_energy: object


def prepare_hamiltonian(
    step_name: str,
    *,
    kinetic,
    metric: str,
    vars,
    model,
    initial_point,
    dtype,
    rng,
    scaling,
    is_cov: bool,
    potential,
) -> HamiltonianParts:
    """Resolve the model and variables, and pair the potential PyMC sees with our kinetic."""
    model = model_context(model)
    vars = continuous_vars(vars, model, step_name)
    size = checked_model_size(model, vars, initial_point)
    dtype = checked_dtype(dtype)
    rng = checked_rng(rng)
    potential, kinetic_energy = make_potential_and_kinetic(
        kinetic,
        metric,
        size=size,
        dtype=dtype,
        scaling=scaling,
        is_cov=is_cov,
        potential=potential,
        model=model,
        vars=vars,
        rng=rng.spawn(1)[0],
    )
    return HamiltonianParts(model, vars, dtype, rng, potential, kinetic_energy)


def attach_integrator(step, method: Integrator, kinetic, metric: str, parts) -> None:
    """Record the frozen configuration and replace PyMC's leapfrog by our integrator."""
    step.integrator_name = method.name
    step.kinetic_name = kinetic if isinstance(kinetic, str) else type(kinetic).__name__
    step.metric = metric
    step.integrator = PyMCIntegratorAdapter(
        method, parts.kinetic_energy, step.potential, step._logp_dlogp_func
    )


def validate_dual_averaging(gamma, k, t0) -> None:
    """Check the dual-averaging parameters (Hoffman & Gelman 2014, sec. 3.2.1)."""
    check_positive("gamma", gamma)
    if (
        not isinstance(k, numbers.Real)
        or isinstance(k, bool)
        or not math.isfinite(k)
        or not 0.5 < k <= 1
    ):
        raise ValueError(f"k must be a number in (0.5, 1], got {k!r}.")
    check_positive("t0", t0)


class CheckedModel:
    """Check ``model=`` before PyMC's ``BlockedStep.__new__`` reads it.

    PyMC resolves the model's variables in ``__new__`` (for ``blocked=False``),
    before ``__init__`` runs, and fails there with an ``AttributeError`` on a value
    that is not a model.
    """

    def __new__(cls, *args, **kwargs):
        model_context(kwargs.get("model"))  # TypeError naming model
        vars = args[0] if args else kwargs.get("vars")
        if isinstance(vars, list | tuple) and not vars:  # PyMC's __new__ would say "no free RVs"
            raise ValueError(
                f"vars must hold at least one variable, got {vars!r}; vars=None samples every "
                "continuous variable."
            )
        return super().__new__(cls, *args, **kwargs)
