"""RelativisticHMC and RelativisticNUTS: the relativistic kinetic energy of Lu et al. (2017)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from pymc_symplectic._checks import check_positive
from pymc_symplectic._pymc_compat import (
    RaveledVars,
    make_potential_and_kinetic,
    model_context,
)
from pymc_symplectic.kinetic.relativistic import FORMS
from pymc_symplectic.step_methods._common import (
    checked_dtype,
    checked_model_size,
    checked_rng,
    continuous_vars,
)
from pymc_symplectic.step_methods.hmc import SymplecticHMC
from pymc_symplectic.step_methods.nuts import SymplecticNUTS

__all__ = [
    "RelativisticHMC",
    "RelativisticNUTS",
    "default_speed_of_light",
    "relativistic_potential",
]

#: Default speed of light in units of the typical Gaussian-HMC speed (see
#: :func:`default_speed_of_light`).
DEFAULT_C_SCALE = 1.0
#: Default target share of drifts faster than 0.9 c during the adaptation of c.
DEFAULT_SPEED_LIMITED_TARGET = 0.1


def default_speed_of_light(dim: int, form: str, scale: float = DEFAULT_C_SCALE) -> float:
    r"""Return the starting speed of light, in units of the adapted posterior scale.

    The mass matrix M^{-1} is adapted to the posterior covariance, so speeds are
    measured in posterior standard deviations per unit time. Gaussian HMC with
    that mass matrix moves at a typical speed :math:`|v|_M \approx \sqrt{d}`
    (one per coordinate). The default c is ``scale`` times that typical speed:
    :math:`c = s \sqrt{d}` for the isotropic form, where it keeps
    :math:`m c^2 = s^2 d` of the order of d so that typical momenta are not all
    at the limit, and :math:`c = s` per coordinate.
    """
    return scale * (math.sqrt(dim) if form == "isotropic" else 1.0)


def relativistic_potential(
    size: int,
    *,
    c: float | None,
    m: float,
    form: str,
    metric: str,
    adapt_c: bool | None,
    speed_limited_target: float,
    dtype,
    rng: np.random.Generator,
):
    """Build the relativistic potential PyMC sees (adaptive mass matrix and c)."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}.")
    if c is not None:
        c = check_positive("c", c)
    m = check_positive("m", m)
    if (
        not isinstance(speed_limited_target, numbers.Real)
        or isinstance(speed_limited_target, bool)
        or not 0 < speed_limited_target < 1
    ):
        raise ValueError(
            "speed_limited_target must be a number in the open interval (0, 1), "
            f"got {speed_limited_target!r}."
        )
    if adapt_c is None:
        adapt_c = c is None  # a speed of light the user fixed is respected
    if not isinstance(adapt_c, bool):
        raise ValueError(f"adapt_c must be True, False or None, got {adapt_c!r}.")
    potential, _ = make_potential_and_kinetic(
        "relativistic",
        metric,
        size=size,
        dtype=dtype,
        rng=rng,
        relativistic={
            "c": default_speed_of_light(size, form) if c is None else c,
            "m": m,
            "form": form,
            "adapt_c": adapt_c,
            "speed_limited_target": float(speed_limited_target),
        },
    )
    return potential


_RELATIVISTIC_STATS = {
    "speed_fraction": (np.float64, []),
    "speed_limited_fraction": (np.float64, []),
    "speed_of_light": (np.float64, []),
}

_PARAMETERS_DOC = r"""
    c
        Speed of light in units of the adapted posterior scale. ``None`` (default):
        start at :func:`default_speed_of_light` and adapt during tuning; a number
        is used as given and not adapted (unless ``adapt_c=True``).
    m
        Rest mass; for :math:`|p| \ll m c` the kinetic energy is Gaussian with mass m M.
    form
        ``"per_coordinate"`` (default) or ``"isotropic"``. Per coordinate, each
        coordinate has its own speed limit and the momentum law does not depend on
        the dimension; the isotropic form limits the whole velocity vector.
    metric
        ``"diag"`` or ``"dense"`` (isotropic form only) adaptive mass matrix.
    adapt_c
        Whether to tune c during tuning; default: only when ``c`` is ``None``.
    speed_limited_target
        Target share of drifts faster than 0.9 c for the adaptation of c: a
        Robbins–Monro step on :math:`\log c` after each tuning draw moves c up
        when more drifts than this are speed-limited, down when fewer.
"""


class _RelativisticStep:
    """Builds the relativistic potential, records the speed stats and adapts c.

    Shared by :class:`RelativisticHMC` and :class:`RelativisticNUTS`; placed before
    the Gaussian step class in the bases so that its ``__init__`` and ``astep``
    wrap that class's.
    """

    def __init__(
        self,
        vars=None,
        *,
        c: float | None = None,
        m: float = 1.0,
        form: str = "per_coordinate",
        metric: str = "diag",
        adapt_c: bool | None = None,
        speed_limited_target: float = DEFAULT_SPEED_LIMITED_TARGET,
        model=None,
        initial_point=None,
        dtype=None,
        rng=None,
        **kwargs,
    ):
        step_name = type(self).__name__
        for name in ("kinetic", "scaling", "potential", "is_cov"):
            if name in kwargs:
                raise ValueError(
                    f"{step_name} does not take {name}=: it adapts its own relativistic "
                    "potential (choose metric='diag' or 'dense' and c, m, form); use the "
                    "Symplectic step methods for a Gaussian kinetic energy."
                )
        if metric == "dense" and form == "per_coordinate":
            raise ValueError(
                "form='per_coordinate' needs metric='diag'; use form='isotropic' with "
                "metric='dense'."
            )
        model = model_context(model)
        size = checked_model_size(model, continuous_vars(vars, model, step_name), initial_point)
        rng = checked_rng(rng)
        dtype = checked_dtype(dtype)
        potential = relativistic_potential(
            size,
            c=c,
            m=m,
            form=form,
            metric=metric,
            adapt_c=adapt_c,
            speed_limited_target=speed_limited_target,
            dtype=dtype,
            rng=rng.spawn(1)[0],
        )
        super().__init__(
            vars,
            kinetic="relativistic",
            metric=metric,
            potential=potential,
            model=model,
            initial_point=initial_point,
            dtype=dtype,
            rng=rng,
            **kwargs,
        )

    def _record_drifts(self, result) -> None:
        self.integrator.kinetic.add(result.n_drifts, result.speed_sum, result.speed_limited_sum)

    def astep(self, q0: RaveledVars):
        """Draw once, record the speed statistics and, during tuning, adapt c."""
        recorder = self.integrator.kinetic
        recorder.reset()
        c = self.potential.c
        q, stats = super().astep(q0)
        speed, limited = recorder.summary()
        self.potential.adapt_speed_of_light(limited, self.tune)
        stats[0].update(speed_fraction=speed, speed_limited_fraction=limited, speed_of_light=c)
        return q, stats


class RelativisticHMC(_RelativisticStep, SymplecticHMC):
    r"""Hamiltonian Monte Carlo with a relativistic kinetic energy (bounded velocities).

    The kinetic energy (Lu, Perrone, Hasenclever, Teh & Vollmer, "Relativistic
    Monte Carlo", AISTATS 2017, eq. (3), with a mass matrix M) is

    .. math:: K(p) = c \sqrt{p^T M^{-1} p + m^2 c^2}

    (isotropic) or :math:`\sum_i c \sqrt{p_i^2 / M_{ii} + m^2 c^2}` (per
    coordinate). Its velocity :math:`c M^{-1} p / \sqrt{p^T M^{-1} p + m^2 c^2}`
    has M-norm below c, so a step of size h moves at most h c posterior standard
    deviations however large the gradient kick: trajectories that would explode
    with a Gaussian kinetic energy stay bounded. Momenta are drawn exactly (a
    generalized-inverse-Gaussian variance mixture of Gaussians, see
    :class:`~pymc_symplectic.kinetic.RelativisticKinetic`); the Metropolis
    correction and the ``energy`` stat use this K, so E-BFMI stays meaningful.

    Everything else is :class:`SymplecticHMC`: any HMC-valid integrator (its
    drifts call only the velocity), PyMC's step-size dual averaging and mass
    matrix adaptation.

    Parameters
    ----------
    {parameters}
    **kwargs
        Everything :class:`SymplecticHMC` takes (``integrator``, ``path_length``,
        ``target_accept``, ``Emax``, ``compile_kwargs``, ...), except ``kinetic``,
        ``scaling`` and ``potential``: this step adapts its own relativistic potential.

    Notes
    -----
    Extra sample statistics: ``speed_fraction`` (mean ``|v|_M / c`` over the
    trajectory's drifts; per coordinate for the per-coordinate form),
    ``speed_limited_fraction`` (share of drifts above 0.9 c) and
    ``speed_of_light`` (the c of the draw).
    """

    name = "relativistic_hmc"
    stats_dtypes_shapes = {**SymplecticHMC.stats_dtypes_shapes, **_RELATIVISTIC_STATS}


class RelativisticNUTS(_RelativisticStep, SymplecticNUTS):
    r"""The No-U-Turn sampler with the relativistic kinetic energy.

    :class:`RelativisticHMC`'s kinetic energy, momentum sampling and adaptation of
    c, with :class:`SymplecticNUTS`'s trees: PyMC's multinomial NUTS with the
    generalised U-turn criterion on the velocities dK/dp (Betancourt 2017, "A
    conceptual introduction to Hamiltonian Monte Carlo", sec. A.4.2), which is
    what makes it correct for a non-quadratic K.

    Parameters
    ----------
    {parameters}
    **kwargs
        Everything :class:`SymplecticNUTS` takes (``integrator``,
        ``max_treedepth``, ``target_accept``, ...), except ``kinetic``,
        ``scaling`` and ``potential``.

    Notes
    -----
    Extra sample statistics as for :class:`RelativisticHMC`: ``speed_fraction``,
    ``speed_limited_fraction``, ``speed_of_light``.
    """

    name = "relativistic_nuts"
    stats_dtypes_shapes = {**SymplecticNUTS.stats_dtypes_shapes, **_RELATIVISTIC_STATS}


for _cls in (RelativisticHMC, RelativisticNUTS):
    _cls.__doc__ = _cls.__doc__.replace("    {parameters}\n", _PARAMETERS_DOC.lstrip("\n"))
