"""The integrator registry and the built-in methods.

Every built-in method is a table (splitting coefficients, a Butcher tableau or
Adams–Bashforth weights) applied by one of three steppers.
"""

from __future__ import annotations

import math

from pymc_symplectic.integrators.base import Integrator
from pymc_symplectic.integrators.multistep import AdamsBashforth
from pymc_symplectic.integrators.runge_kutta import ExplicitRungeKutta, ImplicitRungeKutta
from pymc_symplectic.integrators.splitting import SplittingIntegrator, compose

__all__ = ["aliases", "available", "get", "register", "unregister"]

_REGISTRY: dict[str, Integrator] = {}
_ALIASES: dict[str, str] = {}


def register(integrator: Integrator, *, aliases: tuple[str, ...] = (), overwrite: bool = False):
    """Add an integrator (and optional alias names) to the registry.

    Parameters
    ----------
    integrator
        Any :class:`~pymc_symplectic.integrators.Integrator`, e.g. a
        :class:`~pymc_symplectic.integrators.SplittingIntegrator` built from coefficients.
    aliases
        Other names that resolve to it.
    overwrite
        Replace an existing integrator of the same name.

    Returns
    -------
    Integrator
        The registered integrator.
    """
    if not isinstance(integrator, Integrator):
        raise TypeError(
            f"integrator must be an Integrator instance, got {type(integrator).__name__}."
        )
    if isinstance(aliases, str) or not isinstance(aliases, tuple | list):
        raise ValueError(
            f"aliases must be a tuple of names, got {aliases!r} (one alias: aliases=('name',))."
        )
    bad = [alias for alias in aliases if not isinstance(alias, str) or not alias]
    if bad:
        raise ValueError(f"aliases must be non-empty strings, got {bad!r} in {aliases!r}.")
    if not isinstance(overwrite, bool):
        raise ValueError(f"overwrite must be True or False, got {overwrite!r}.")
    for name in (integrator.name, *aliases):
        taken = name in _REGISTRY or name in _ALIASES
        if taken and not (overwrite and _ALIASES.get(name, name) == integrator.name):
            raise ValueError(
                f"The name {name!r} is already registered; pass overwrite=True to replace it."
            )
    _REGISTRY[integrator.name] = integrator
    for alias in aliases:
        _ALIASES[alias] = integrator.name
    return integrator


def unregister(name: str) -> None:
    """Remove an integrator and its aliases from the registry.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If no integrator has that name or alias.
    """
    canonical = _resolve(name)
    del _REGISTRY[canonical]
    for alias in [a for a, n in _ALIASES.items() if n == canonical]:
        del _ALIASES[alias]


def available() -> list[str]:
    """Return the registered integrator names (aliases excluded), sorted."""
    return sorted(_REGISTRY)


def aliases() -> dict[str, str]:
    """Return the mapping from each alias to the name it stands for."""
    return dict(_ALIASES)


def _resolve(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"integrator name must be a string, got {type(name).__name__}.")
    canonical = _ALIASES.get(name, name)
    if canonical not in _REGISTRY:
        raise ValueError(
            f"Unknown integrator {name!r}. Registered integrators: {', '.join(available())}"
            f" (aliases: {', '.join(sorted(_ALIASES))})."
        )
    return canonical


def get(name: str) -> Integrator:
    """Return the integrator registered under ``name`` (or one of its aliases).

    Raises
    ------
    ValueError
        If no integrator has that name; the message lists the registered names.
    """
    return _REGISTRY[_resolve(name)]


# ---------------------------------------------------------------------------
# Splitting methods
# ---------------------------------------------------------------------------

HLW = "Hairer, Lubich & Wanner, Geometric Numerical Integration, 2nd ed., Springer 2006"
BCSS = (
    "Blanes, Casas & Sanz-Serna, Numerical integrators for the Hybrid Monte Carlo method, "
    "SIAM J. Sci. Comput. 36(4), A1556-A1580, 2014"
)
YOSHIDA = (
    "Yoshida, Construction of higher order symplectic integrators, Phys. Lett. A 150, 262, 1990"
)

leapfrog = SplittingIntegrator(
    "leapfrog",
    (0.5, 1.0, 0.5),
    order=2,
    reference=f"Velocity Verlet (Störmer–Verlet), {HLW}, sec. I.3",
)
position_verlet = SplittingIntegrator(
    "position_verlet",
    (0.5, 1.0, 0.5),
    order=2,
    first="drift",
    reference=f"Position Störmer–Verlet, {HLW}, sec. I.3",
)
symplectic_euler = SplittingIntegrator(
    "symplectic_euler",
    (1.0, 1.0),
    order=1,
    symmetric=False,
    reference=f"Symplectic Euler (kick then drift), {HLW}, Thm. VI.3.3",
)

_B_MCLACHLAN = 0.1931833275037836
mclachlan = SplittingIntegrator(
    "mclachlan",
    (_B_MCLACHLAN, 0.5, 1 - 2 * _B_MCLACHLAN, 0.5, _B_MCLACHLAN),
    order=2,
    reference="McLachlan, On the numerical integration of ODEs by symmetric composition "
    "methods, SIAM J. Sci. Comput. 16, 151-168, 1995 (2-stage minimum error, b = 0.19318...)",
)
_B_BCSS2 = (3 - math.sqrt(3)) / 6
bcss2 = SplittingIntegrator(
    "bcss2",
    (_B_BCSS2, 0.5, 1 - 2 * _B_BCSS2, 0.5, _B_BCSS2),
    order=2,
    reference=f"{BCSS} (two-stage, b = (3 - sqrt 3)/6)",
)
_B1, _A1 = 0.11888010966548, 0.29619504261126
bcss3 = SplittingIntegrator(
    "bcss3",
    (_B1, _A1, 0.5 - _B1, 1 - 2 * _A1, 0.5 - _B1, _A1, _B1),
    order=2,
    reference=f"{BCSS} (three-stage, b1 = 0.11888, a1 = 0.29620)",
)
_B1, _A1, _B2 = 0.071353913450279725904, 0.191667800000000000000, 0.268548791161230105820
_B3 = 1 - 2 * (_B1 + _B2)
bcss4 = SplittingIntegrator(
    "bcss4",
    (_B1, _A1, _B2, 0.5 - _A1, _B3, 0.5 - _A1, _B2, _A1, _B1),
    order=2,
    reference=f"{BCSS}, eq. (6.8) (four-stage)",
)

_XI, _LAMBDA, _CHI = 0.1786178958448091, -0.2123418310626054, -0.06626458266981849
pefrl = SplittingIntegrator(
    "pefrl",
    (
        _XI,
        (1 - 2 * _LAMBDA) / 2,
        _CHI,
        _LAMBDA,
        1 - 2 * (_CHI + _XI),
        _LAMBDA,
        _CHI,
        (1 - 2 * _LAMBDA) / 2,
        _XI,
    ),
    order=4,
    first="drift",
    reference="Omelyan, Mryglod & Folk, Optimized Forest-Ruth- and Suzuki-like algorithms for "
    "integration of motion in many-body systems, Comput. Phys. Commun. 146, 188-202, 2002, "
    "(position-extended Forest–Ruth-like, PEFRL)",
)
_THETA, _RHO, _LAM, _MU = (
    0.08398315262876693,
    0.2539785108410595,
    0.6822365335719091,
    -0.03230286765269967,
)
omelyan4 = SplittingIntegrator(
    "omelyan4",
    (
        _THETA,
        _RHO,
        _LAM,
        _MU,
        0.5 - _LAM - _THETA,
        1 - 2 * (_MU + _RHO),
        0.5 - _LAM - _THETA,
        _MU,
        _LAM,
        _RHO,
        _THETA,
    ),
    order=4,
    reference="Omelyan, Mryglod & Folk, Symplectic analytically integrable decomposition "
    "algorithms, Comput. Phys. Commun. 151, 272-314, 2003, eqs. (63) and (71) "
    "(4th-order minimum-norm, 11 coefficients, velocity form)",
)

_W_FR = 1 / (2 - 2 ** (1 / 3))
forest_ruth = compose(
    leapfrog,
    (_W_FR, 1 - 2 * _W_FR, _W_FR),
    name="forest_ruth",
    order=4,
    reference="Forest & Ruth, Fourth-order symplectic integration, Physica D 43, 105-117, 1990; "
    f"= Yoshida's triple jump, {YOSHIDA}, sec. 4",
)
_P_SUZUKI = 1 / (4 - 4 ** (1 / 3))
suzuki4 = compose(
    leapfrog,
    (_P_SUZUKI, _P_SUZUKI, 1 - 4 * _P_SUZUKI, _P_SUZUKI, _P_SUZUKI),
    name="suzuki4",
    order=4,
    reference="Suzuki, Fractal decomposition of exponential operators, Phys. Lett. A 146, "
    "319-323, 1990 (5-stage fractal)",
)


def _yoshida_weights(w: tuple[float, ...]) -> tuple[float, ...]:
    """Return (w_m, ..., w_1, w_0, w_1, ..., w_m) with w_0 = 1 - 2 * sum(w)."""
    w0 = 1 - 2 * math.fsum(w)
    return (*reversed(w), w0, *w)


yoshida6 = compose(
    leapfrog,
    _yoshida_weights((-1.17767998417887, 0.235573213359357, 0.784513610477560)),
    name="yoshida6",
    order=6,
    reference=f"{YOSHIDA}, Table 1, solution A",
)
yoshida8 = compose(
    leapfrog,
    _yoshida_weights(
        (
            0.102799849391985,
            -1.96061023297549,
            1.93813913762276,
            -0.158240635368243,
            -1.44485223686048,
            0.253693336566229,
            0.914844246229740,
        )
    ),
    name="yoshida8",
    order=8,
    reference=f"{YOSHIDA}, Table 2, solution D",
)

# ---------------------------------------------------------------------------
# Runge–Kutta and multistep methods
# ---------------------------------------------------------------------------

HNW = "Hairer, Nørsett & Wanner, Solving Ordinary Differential Equations I, 2nd ed., Springer 1993"

euler = ExplicitRungeKutta(
    "euler",
    a=[[0.0]],
    b=[1.0],
    order=1,
    reference=f"Forward Euler, {HNW}, sec. I.7",
)
heun = ExplicitRungeKutta(
    "heun",
    a=[[0, 0], [1, 0]],
    b=[0.5, 0.5],
    order=2,
    reference=f"Heun's method (explicit trapezoidal RK2), {HNW}, sec. II.1",
)
rk3 = ExplicitRungeKutta(
    "rk3",
    a=[[0, 0, 0], [0.5, 0, 0], [-1, 2, 0]],
    b=[1 / 6, 2 / 3, 1 / 6],
    order=3,
    reference=f"Kutta's third-order method, {HNW}, sec. II.1",
)
rk4 = ExplicitRungeKutta(
    "rk4",
    a=[[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]],
    b=[1 / 6, 1 / 3, 1 / 3, 1 / 6],
    order=4,
    reference=f"Classical Runge–Kutta method, {HNW}, sec. II.1",
)
implicit_midpoint = ImplicitRungeKutta(
    "implicit_midpoint",
    a=[[0.5]],
    b=[1.0],
    order=2,
    symplectic=True,
    symmetric=True,
    reference=f"Implicit midpoint rule (1-stage Gauss method), {HLW}, sec. VI.4",
)
backward_euler = ImplicitRungeKutta(
    "backward_euler",
    a=[[1.0]],
    b=[1.0],
    order=1,
    reference=f"Backward (implicit) Euler, {HNW}, sec. II.7",
)
adams_bashforth4 = AdamsBashforth(
    "adams_bashforth4",
    beta=(55 / 24, -59 / 24, 37 / 24, -9 / 24),
    order=4,
    starter=rk4,
    reference=f"Four-step Adams–Bashforth, started with RK4, {HNW}, sec. III.1",
)

register(euler)
register(symplectic_euler)
register(leapfrog, aliases=("velocity_verlet",))
register(position_verlet)
register(heun, aliases=("rk2",))
register(rk3)
register(rk4)
register(forest_ruth, aliases=("yoshida4",))
register(yoshida6)
register(yoshida8)
register(suzuki4)
register(mclachlan)
register(bcss2)
register(bcss3)
register(bcss4)
register(pefrl)
register(omelyan4)
register(implicit_midpoint)
register(backward_euler)
register(adams_bashforth4)
