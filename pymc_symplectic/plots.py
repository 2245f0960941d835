"""Figures of the classical integrator comparison: phase portrait, energy error, convergence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from os import PathLike

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from pymc_symplectic import integrators as _integrators
from pymc_symplectic._checks import check_integer, check_positive
from pymc_symplectic.diagnostics.energy import EnergyErrorCurve, fit_order
from pymc_symplectic.dynamics import Trajectory, resolve_integrator, simulate
from pymc_symplectic.integrators import AdamsBashforth, Integrator
from pymc_symplectic.testing import HarmonicOscillator, Pendulum

__all__ = [
    "CLASSICAL_INTEGRATORS",
    "ENERGY_ERROR_FLOOR",
    "convergence_errors",
    "convergence_step_sizes",
    "empirical_order",
    "energy_error_runs",
    "plot_convergence",
    "plot_energy_error",
    "plot_energy_error_vs_step_size",
    "plot_energy_transitions",
    "plot_phase_portrait",
    "plot_sampler_efficiency",
    "save_figure",
]

#: The classical comparison table: symplectic splittings next to the textbook
#: Runge–Kutta, multistep and implicit solvers.
CLASSICAL_INTEGRATORS: tuple[str, ...] = (
    "euler",
    "symplectic_euler",
    "leapfrog",
    "rk4",
    "forest_ruth",
    "yoshida6",
    "heun",
    "rk3",
    "implicit_midpoint",
    "adams_bashforth4",
    "backward_euler",
)

#: Exact zeros of ``|H(t) - H(0)|`` are drawn at this value on a log axis.
ENERGY_ERROR_FLOOR = 1e-17

# Initial conditions of the reference problems: the oscillator starts at
# (q, p) = (1, 0), H = 1/2; the pendulum is released at rest from 2 rad, far
# into its nonlinear regime.
_OSCILLATOR_START = (1.0, 0.0)
_PENDULUM_AMPLITUDE = 2.0
_PROBLEM_TITLES = {
    "oscillator": "Harmonic oscillator  $H = (p^2 + q^2)/2$",
    "pendulum": rf"Pendulum  $H = p^2/2 - \cos q$, $q_0 = {_PENDULUM_AMPLITUDE:g}$",
}

# Step counts over a final time of 1, per declared order: errors stay in the
# asymptotic regime and well above round-off (> 1e-13) for every registered method.
_CONVERGENCE_STEP_COUNTS = {
    1: (32, 64, 128, 256, 512),
    2: (16, 32, 64, 128, 256),
    3: (8, 16, 32, 64, 128),
    4: (5, 10, 20, 40, 80),
    6: (5, 10, 20, 40),
    8: (2, 3, 4, 5, 6),
}
# A multistep method is started by a one-step method and has a large error
# constant (251/720 for Adams–Bashforth 4): it needs smaller steps to show its order.
_MULTISTEP_REFINEMENT = 8

# Eleven distinct colours: tab10 plus black.
_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#000000",
)
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "*", "h")


def _style(index: int, method: Integrator) -> dict:
    """Line style: a colour per line; solid if symplectic, dashed if not."""
    return {
        "color": _COLOURS[index % len(_COLOURS)],
        "linestyle": "-" if method.symplectic else (0, (5, 2)),
    }


def _names(integrators: Sequence[str | Integrator] | None) -> list[Integrator]:
    if integrators is None:
        integrators = CLASSICAL_INTEGRATORS
    if isinstance(integrators, str | Integrator):
        integrators = [integrators]
    methods = [resolve_integrator(m) for m in integrators]
    if not methods:
        raise ValueError("integrators must name at least one integrator.")
    return methods


def _problems(problems) -> tuple[str, ...]:
    if isinstance(problems, str):
        problems = (problems,)
    if not isinstance(problems, Sequence) or not problems:
        raise ValueError(
            f"problems must name at least one of 'oscillator' and 'pendulum', got {problems!r}."
        )
    for problem in problems:
        _problem(problem)
    return tuple(problems)


def _step_sizes(step_sizes) -> list[float]:
    if isinstance(step_sizes, str | bytes) or not isinstance(step_sizes, Sequence | np.ndarray):
        raise ValueError(f"step_sizes must be a sequence of step sizes, got {step_sizes!r}.")
    if len(step_sizes) == 0:
        raise ValueError(f"step_sizes must hold at least one step size, got {step_sizes!r}.")
    return [check_positive(f"step_sizes[{i}]", h) for i, h in enumerate(step_sizes)]


def _problem(problem: str):
    """Return ``(hamiltonian, q0, p0)`` for a reference problem name."""
    if problem == "oscillator":
        return HarmonicOscillator().hamiltonian, *_OSCILLATOR_START
    if problem == "pendulum":
        return Pendulum().hamiltonian, _PENDULUM_AMPLITUDE, 0.0
    raise ValueError(f"Unknown problem {problem!r}; choose 'oscillator' or 'pendulum'.")


def save_figure(figure: Figure, path: str | PathLike, *, dpi: int = 120) -> None:
    """Write ``figure`` to ``path`` (format from the suffix) with the Agg backend.

    Parameters
    ----------
    figure
        A figure returned by one of the ``plot_*`` functions.
    path
        Destination file, e.g. ``outputs/demo/energy_error.png``.
    dpi
        Resolution in dots per inch.

    Raises
    ------
    TypeError
        If ``figure`` is not a matplotlib Figure or ``path`` not a path.
    ValueError
        If ``dpi`` is not a positive finite number, or the suffix names no format
        matplotlib writes.
    """
    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, got {figure!r}.")
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {path!r}.")
    check_positive("dpi", dpi)
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=dpi)


# ---------------------------------------------------------------------------
# Phase portrait
# ---------------------------------------------------------------------------


def plot_phase_portrait(
    integrators: Sequence[str | Integrator] = ("euler", "leapfrog", "forest_ruth"),
    step_size: float = 0.1,
    n_steps: int | None = None,
    *,
    clip: float = 2.5,
) -> Figure:
    r"""Draw harmonic-oscillator orbits in phase space, one panel per integrator.

    The exact orbit of :math:`H = (p^2 + q^2)/2` from :math:`(q, p) = (1, 0)` is
    the unit circle (dashed). Forward Euler multiplies the radius by
    :math:`\sqrt{1 + h^2}` each step and spirals outward; a symplectic method
    stays on a closed curve within :math:`O(h^p)` of the circle.

    Parameters
    ----------
    integrators
        Registered names or :class:`~pymc_symplectic.integrators.Integrator` objects.
    step_size
        Step size h.
    n_steps
        Number of steps; default two periods, ``round(4 pi / h)``.
    clip
        The axes show at most ``clip`` times the exact radius, so a diverging
        method does not squash the others.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, not shown; save it with :func:`save_figure`.
    """
    methods = _names(integrators)
    step_size = check_positive("step_size", step_size)
    clip = check_positive("clip", clip)
    if n_steps is None:
        n_steps = max(1, round(4 * math.pi / step_size))
    n_steps = check_integer("n_steps", n_steps, 1)
    hamiltonian, q0, p0 = _problem("oscillator")
    radius = math.hypot(q0, p0)
    with np.errstate(over="ignore", invalid="ignore"):
        runs = [simulate(m, hamiltonian, q0, p0, step_size, n_steps) for m in methods]
    extent = max(float(np.nanmax(np.abs(np.concatenate([r.q, r.p])))) for r in runs)
    limit = 1.08 * min(max(extent, radius), clip * radius)

    n = len(methods)
    fig = Figure(figsize=(max(3.8 * n + 0.4, 4.6), 5.0 if n > 1 else 6.0), layout="constrained")
    fig.get_layout_engine().set(wspace=0.06)
    axes = np.atleast_1d(fig.subplots(1, n, sharex=True, sharey=True))
    angle = np.linspace(0.0, 2 * math.pi, 400)
    for i, (ax, method, run) in enumerate(zip(axes, methods, runs, strict=True)):
        ax.plot(
            radius * np.cos(angle),
            radius * np.sin(angle),
            color="0.35",
            linestyle="--",
            linewidth=1.2,
            zorder=3,  # on top, so it stays visible where a method follows it
            label="exact orbit",
        )
        ax.plot(
            run.q[:, 0],
            run.p[:, 0],
            color=_COLOURS[i % len(_COLOURS)],
            linewidth=1.0,
            marker="o",
            markersize=2.0,
            label=f"{method.name} (order {method.order})",
        )
        ax.plot([q0], [p0], marker="*", color="black", markersize=10, linestyle="none", zorder=4)
        drift = float(np.nanmax(np.abs(run.energy_error)))
        ax.set_title(f"{method.name}\nmax $|\\Delta H|$ = {drift:.2g}", fontsize=10)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_box_aspect(1)  # equal limits on both axes: an equal aspect ratio
        ax.set_xlabel("position $q$")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("momentum $p$")
    separator = ", " if n > 1 else "\n"  # a single panel is narrow
    fig.suptitle(
        f"Harmonic oscillator phase portrait{separator}h = {step_size:g}, {n_steps} steps "
        f"(t = {n_steps * step_size:.3g})\ndashed: exact orbit,  $\\star$: start"
    )
    return fig


# ---------------------------------------------------------------------------
# Long-run energy error
# ---------------------------------------------------------------------------


def energy_error_runs(
    integrators: Sequence[str | Integrator] | None = None,
    step_size: float = 0.1,
    n_steps: int = 3000,
    problems: Sequence[str] = ("oscillator", "pendulum"),
) -> dict[str, dict[str, Trajectory]]:
    """Integrate each reference problem with each integrator for a long run.

    Parameters
    ----------
    integrators
        Registered names or Integrator objects; default :data:`CLASSICAL_INTEGRATORS`.
    step_size, n_steps
        Step size h and number of steps.
    problems
        ``"oscillator"`` (from q = 1, p = 0) and/or ``"pendulum"`` (released at rest
        from 2 rad).

    Returns
    -------
    dict
        ``runs[problem][integrator name]`` is the :class:`~pymc_symplectic.dynamics.Trajectory`.
    """
    methods = _names(integrators)
    step_size = check_positive("step_size", step_size)
    n_steps = check_integer("n_steps", n_steps, 1)
    problems = _problems(problems)
    runs: dict[str, dict[str, Trajectory]] = {}
    for problem in problems:
        hamiltonian, q0, p0 = _problem(problem)
        # Forward Euler's energy grows geometrically; overflow is an expected result.
        with np.errstate(over="ignore", invalid="ignore"):
            runs[problem] = {
                m.name: simulate(m, hamiltonian, q0, p0, step_size, n_steps) for m in methods
            }
    return runs


def _check_runs(runs) -> None:
    """Refuse ``runs`` unless it maps problems to non-empty dicts of trajectories."""
    if not isinstance(runs, dict) or not runs:
        raise ValueError(
            "runs must be a non-empty dict problem -> {integrator name: Trajectory} "
            f"(from energy_error_runs), got {runs!r}."
        )
    for problem, trajectories in runs.items():
        if (
            not isinstance(trajectories, dict)
            or not trajectories
            or not all(isinstance(t, Trajectory) for t in trajectories.values())
        ):
            raise ValueError(
                f"runs[{problem!r}] must be a non-empty dict integrator name -> Trajectory, "
                f"got {trajectories!r}."
            )
        if any(t.time.size < 2 for t in trajectories.values()):
            raise ValueError(f"runs[{problem!r}] holds a trajectory of fewer than two points.")


def _window_max(values: np.ndarray, window: int) -> np.ndarray:
    """Maximum over consecutive windows of ``window`` points (NaN-aware)."""
    n_windows = math.ceil(values.size / window)
    padded = np.full(n_windows * window, np.nan)
    padded[: values.size] = values
    blocks = padded.reshape(n_windows, window)
    with np.errstate(invalid="ignore"):
        out = np.full(n_windows, np.nan)
        finite = np.any(np.isfinite(blocks), axis=1)
        out[finite] = np.nanmax(np.where(np.isfinite(blocks), blocks, np.nan)[finite], axis=1)
    return out


def plot_energy_error(
    integrators: Sequence[str | Integrator] | None = None,
    step_size: float = 0.1,
    n_steps: int = 3000,
    problems: Sequence[str] = ("oscillator", "pendulum"),
    *,
    envelope: float | None = 2 * math.pi,
    runs: dict[str, dict[str, Trajectory]] | None = None,
) -> Figure:
    r"""Plot :math:`|H(t) - H(0)|` over a long run, one line per integrator.

    A symplectic integrator exactly conserves a modified Hamiltonian
    :math:`\tilde H = H + O(h^p)`, so its energy error oscillates but stays bounded
    over exponentially long times (Hairer, Lubich & Wanner, *Geometric Numerical
    Integration*, 2nd ed., 2006, Thm. IX.8.1); the error of a non-symplectic one
    drifts (Euler, Heun grow; backward Euler, RK3, RK4 decay).

    Parameters
    ----------
    integrators
        Registered names or Integrator objects; default :data:`CLASSICAL_INTEGRATORS`.
    step_size, n_steps
        Step size h and number of steps of the run.
    problems
        One panel per problem: ``"oscillator"`` and/or ``"pendulum"``.
    envelope
        Draw the maximum of the error over windows of this many time units (one
        oscillator period by default), which shows the bounded error of a
        symplectic method as a flat band instead of a comb of zero crossings;
        ``None`` draws every step.
    runs
        Trajectories from :func:`energy_error_runs`; when given, ``integrators``,
        ``step_size``, ``n_steps`` and ``problems`` are taken from it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Exact zeros are drawn at :data:`ENERGY_ERROR_FLOOR`.
    """
    if envelope is not None:
        envelope = check_positive("envelope", envelope)
    if runs is None:
        runs = energy_error_runs(integrators, step_size, n_steps, problems)
    _check_runs(runs)
    first = next(iter(next(iter(runs.values())).values()))
    h = float(first.time[1] - first.time[0])
    n_steps = first.time.size - 1

    n = len(runs)
    fig = Figure(figsize=(5.2 * n + 2.6, 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n, sharey=True))
    for ax, (problem, trajectories) in zip(axes, runs.items(), strict=True):
        for i, (name, run) in enumerate(trajectories.items()):
            method = _integrators.get(name) if name in _integrators.available() else None
            error = np.abs(run.energy_error)
            error = np.where(np.isfinite(error), np.maximum(error, ENERGY_ERROR_FLOOR), np.nan)
            time = run.time
            if envelope is not None:
                window = max(1, round(envelope / h))
                error = _window_max(error, window)
                time = _window_max(run.time, window)
            style = (
                _style(i, method)
                if method is not None
                else {"color": _COLOURS[i % len(_COLOURS)], "linestyle": "-"}
            )
            ax.plot(time, error, linewidth=1.4, label=name, **style)
        ax.set_yscale("log")
        ax.set_ylim(ENERGY_ERROR_FLOOR / 3, None)
        ax.set_title(_PROBLEM_TITLES.get(problem, problem), fontsize=10)
        ax.set_xlabel("time $t$")
        ax.grid(alpha=0.3, which="major")
    ylabel = r"$|H(t) - H(0)|$"
    if envelope is not None:
        ylabel += f"  (max over windows of $\\Delta t$ = {envelope:.3g})"
    axes[0].set_ylabel(ylabel)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside right upper",
        title="solid: symplectic\ndashed: not",
        fontsize=9,
        title_fontsize=9,
    )
    fig.suptitle(f"Long-run energy error: h = {h:g}, {n_steps} steps (t = {n_steps * h:.4g})")
    return fig


# ---------------------------------------------------------------------------
# Convergence
# ---------------------------------------------------------------------------


def convergence_step_sizes(
    integrator: str | Integrator, final_time: float = 1.0
) -> tuple[float, ...]:
    """Step sizes at which an integrator's global error shows its order.

    The errors on the oscillator at ``final_time = 1`` stay in the asymptotic
    regime and above round-off for every built-in method.

    Parameters
    ----------
    integrator
        Registered name or Integrator; its declared order picks the range.
    final_time
        The final time T; each step size divides it exactly.

    Returns
    -------
    tuple of float
        Decreasing step sizes ``T / n``.
    """
    method = resolve_integrator(integrator)
    final_time = check_positive("final_time", final_time)
    key = max([k for k in _CONVERGENCE_STEP_COUNTS if k <= method.order], default=1)
    counts = _CONVERGENCE_STEP_COUNTS[key]
    if isinstance(method, AdamsBashforth):
        counts = tuple(_MULTISTEP_REFINEMENT * c for c in counts)
    return tuple(final_time / c for c in counts)


def convergence_errors(
    integrator: str | Integrator,
    step_sizes: Sequence[float] | None = None,
    final_time: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Global error at a fixed final time on the harmonic oscillator.

    Parameters
    ----------
    integrator
        Registered name or Integrator.
    step_sizes
        Step sizes h; each is rounded so that ``round(T / h)`` steps reach ``T``
        exactly. Default :func:`convergence_step_sizes`.
    final_time
        The final time T.

    Returns
    -------
    step_sizes, errors : numpy.ndarray
        The step sizes used and ``max(|q_N - q(T)|, |p_N - p(T)|)`` for each.
    """
    method = resolve_integrator(integrator)
    final_time = check_positive("final_time", final_time)
    if step_sizes is None:
        step_sizes = convergence_step_sizes(method, final_time)
    step_sizes = _step_sizes(step_sizes)
    system = HarmonicOscillator()
    q0, p0 = _OSCILLATOR_START
    q_exact, p_exact = system.exact(q0, p0, final_time)
    used, errors = [], []
    for h in step_sizes:
        n = max(1, round(final_time / h))
        run = simulate(method, system.hamiltonian, q0, p0, final_time / n, n)
        used.append(final_time / n)
        errors.append(max(abs(run.q[-1, 0] - q_exact), abs(run.p[-1, 0] - p_exact)))
    return np.array(used), np.array(errors)


def empirical_order(step_sizes: Sequence[float], errors: Sequence[float]) -> float:
    """Least-squares slope of log(error) against log(step size).

    Returns NaN when fewer than two errors are positive and finite. The same fit as
    :func:`pymc_symplectic.diagnostics.fit_order` with no round-off floor.

    Raises
    ------
    ValueError
        If ``step_sizes`` and ``errors`` are not numeric 1-d arrays of one length.
    """
    return fit_order(step_sizes, errors)


def plot_convergence(
    integrators: Sequence[str | Integrator] | None = None,
    final_time: float = 1.0,
) -> Figure:
    """Plot global error against step size (log-log) with the fitted slope per integrator.

    The slope of log error against log h is the empirical order, which must
    match the declared order; it is the one check that catches a wrong
    coefficient in a table.

    Parameters
    ----------
    integrators
        Registered names or Integrator objects; default :data:`CLASSICAL_INTEGRATORS`.
    final_time
        The time at which the error against the exact oscillator solution is taken.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; the legend gives each method's declared order and fitted slope.
    """
    methods = _names(integrators)
    final_time = check_positive("final_time", final_time)
    fig = Figure(figsize=(9.0, 5.6), layout="constrained")
    ax = fig.subplots()
    for i, method in enumerate(methods):
        h, errors = convergence_errors(method, final_time=final_time)
        slope = empirical_order(h, errors)
        ax.plot(
            h,
            errors,
            marker=_MARKERS[i % len(_MARKERS)],
            # Hollow markers shrinking along the list keep coinciding lines visible
            # (the three first-order methods have nearly equal errors here).
            markersize=max(4.0, 9.0 - 0.4 * i),
            markerfacecolor="none",
            markeredgewidth=1.3,
            linewidth=1.4,
            label=f"{method.name}: slope {slope:.2f} (order {method.order})",
            **_style(i, method),
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step size $h$")
    ax.set_ylabel(f"global error at t = {final_time:g}  (max of |Δq|, |Δp|)")
    ax.grid(alpha=0.3, which="both")
    fig.legend(
        loc="outside right upper",
        title="fitted slope (declared order)\nsolid: symplectic, dashed: not",
        fontsize=9,
        title_fontsize=9,
    )
    ax.set_title(
        f"Convergence on the harmonic oscillator: error $\\propto h^p$ at t = {final_time:g}"
    )
    return fig


# ---------------------------------------------------------------------------
# Sampler comparison (pymc_symplectic.compare) and model diagnostics
# ---------------------------------------------------------------------------

_BASELINE_COLOUR = "0.55"


def _bar_colours(labels: Sequence[str], baseline: str) -> list[str]:
    colours, k = [], 0
    for label in labels:
        if label == baseline:
            colours.append(_BASELINE_COLOUR)
        else:
            colours.append(_COLOURS[k % len(_COLOURS)])
            k += 1
    return colours


def plot_sampler_efficiency(result) -> Figure:
    """Bar charts of ESS per 1000 gradient evaluations and ESS per second, by sampler.

    Solid bars are the smallest bulk ESS, hatched bars the smallest tail ESS over
    all parameters; the dashed (bulk) and dotted (tail) lines mark PyMC's NUTS,
    measured in the same comparison, and each bar is labelled with its ratio to it.

    Parameters
    ----------
    result
        A :class:`~pymc_symplectic.compare.ComparisonResult`.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: per gradient (the cost measure fair across integrators) and
        per second of ``pm.sample`` wall time (tuning included).
    """
    table = getattr(result, "table", None)
    baseline = getattr(result, "baseline", None)
    if table is None or not hasattr(table, "index") or baseline not in getattr(table, "index", ()):
        raise TypeError(
            "result must be a ComparisonResult (from pymc_symplectic.compare), with a table "
            f"holding its baseline row; got {result!r}."
        )
    labels = list(table.index)
    colours = _bar_colours(labels, baseline)
    x = np.arange(len(labels))
    width = 0.38
    fig = Figure(figsize=(max(8.0, 1.5 * len(labels) + 4.5), 5.2), layout="constrained")
    axes = fig.subplots(1, 2)
    panels = (
        ("per_1k_grad", "ESS per 1000 gradient evaluations"),
        ("per_s", "ESS per second (pm.sample wall time)"),
    )
    for ax, (suffix, title) in zip(axes, panels, strict=True):
        for offset, kind, hatch, line in ((-1, "bulk", None, "--"), (1, "tail", "//", ":")):
            values = table[f"ess_{kind}_{suffix}"].to_numpy(dtype=float)
            ratios = table[f"ess_{kind}_{suffix}_ratio"].to_numpy(dtype=float)
            bars = ax.bar(
                x + offset * width / 2,
                np.nan_to_num(values, nan=0.0),
                width,
                color=colours,
                hatch=hatch,
                edgecolor="white" if hatch else None,
                alpha=1.0 if kind == "bulk" else 0.6,
                label=f"min {kind} ESS",
            )
            ax.bar_label(
                bars,
                labels=["" if not np.isfinite(r) else f"×{r:.2g}" for r in ratios],
                fontsize=8,
                padding=2,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
            )
            base = float(table.loc[baseline, f"ess_{kind}_{suffix}"])
            if np.isfinite(base):
                ax.axhline(base, color="black", linestyle=line, linewidth=1.1)
        ax.set_xticks(x, labels, rotation=20, ha="right")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.margins(y=0.15)
    fig.legend(
        handles=[
            _legend_patch("min bulk ESS", None),
            _legend_patch("min tail ESS", "//"),
            _legend_line("PyMC NUTS (bulk)", "--"),
            _legend_line("PyMC NUTS (tail)", ":"),
        ],
        loc="outside lower center",
        ncols=4,
        fontsize=9,
    )
    settings = getattr(result, "settings", {})
    fig.suptitle(
        "Sampling efficiency; bar labels: ratio to PyMC NUTS in the same run"
        + (
            f"\n{settings['chains']} chains x {settings['draws']} draws "
            f"(+{settings['tune']} tuning)"
            if settings
            else ""
        ),
        fontsize=11,
    )
    return fig


def _legend_patch(label: str, hatch: str | None):
    from matplotlib.patches import Patch

    return Patch(facecolor="0.7", hatch=hatch, edgecolor="white" if hatch else None, label=label)


def _legend_line(label: str, style: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", linestyle=style, label=label)


def plot_energy_transitions(result_or_runs, *, bins: int = 40) -> Figure:
    r"""Marginal energy and energy-transition distributions, one panel per sampler.

    Betancourt's diagnostic (Diagnosing suboptimal cotangent disintegrations in
    HMC, arXiv:1604.00695, 2016, sec. 3): the histogram of the centred energy
    :math:`E - \mathrm{median}(E)` against that of the transitions :math:`\Delta E` between
    draws. When the transitions are much narrower than the marginal, momentum
    resampling explores the energy levels slowly; E-BFMI (``arviz.bfmi``, min over
    chains, in each title) below 0.3 flags it.

    Parameters
    ----------
    result_or_runs
        A :class:`~pymc_symplectic.compare.ComparisonResult`, or a dict label -> DataTree.
    bins
        Histogram bins.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    import arviz as az

    bins = check_integer("bins", bins, 1)
    runs = getattr(result_or_runs, "runs", result_or_runs)
    if not isinstance(runs, dict) or not runs:
        raise ValueError(
            "result_or_runs must be a ComparisonResult or a non-empty dict label -> DataTree, "
            f"got {result_or_runs!r}."
        )
    for label, idata in runs.items():
        if not (hasattr(idata, "__contains__") and "sample_stats" in idata) or (
            "energy" not in idata["sample_stats"]
        ):
            raise ValueError(
                f"run {label!r} must be a DataTree from pm.sample with the sample statistic "
                f"'energy' (a Hamiltonian step's), got {type(idata).__name__}."
            )
    n = len(runs)
    columns = min(n, 3)
    rows = math.ceil(n / columns)
    fig = Figure(figsize=(4.4 * columns + 0.4, 3.5 * rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax, (label, idata) in zip(axes, runs.items(), strict=False):
        energy = np.asarray(idata["sample_stats"]["energy"], dtype=float)  # (chain, draw)
        # Centred on the median: robust to the huge energies some samplers report.
        marginal = (energy - np.nanmedian(energy[np.isfinite(energy)])).ravel()
        transition = np.diff(energy, axis=1).ravel()
        pooled = np.concatenate([marginal, transition])
        finite = pooled[np.isfinite(pooled)]
        lo, hi = (np.min(finite), np.max(finite)) if finite.size else (-1.0, 1.0)
        # A sampler that reports huge energies after divergences (PyMC's HMC reports the
        # rejected proposal's) would squash the histograms: draw within 5 IQR of the quartiles.
        if finite.size:
            q1, q3 = np.quantile(finite, [0.25, 0.75])
            lo, hi = max(lo, q1 - 5 * (q3 - q1)), min(hi, q3 + 5 * (q3 - q1))
        edges = np.linspace(lo, hi, bins + 1)
        for values, colour, text in (
            (marginal, "#1f77b4", r"marginal energy $E - \mathrm{median}(E)$"),
            (transition, "#ff7f0e", r"energy transition $\Delta E$"),
        ):
            inside = values[np.isfinite(values) & (values >= lo) & (values <= hi)]
            ax.hist(inside, bins=edges, density=True, alpha=0.55, color=colour, label=text)
        outside = int(np.sum(~np.isfinite(pooled) | (pooled < lo) | (pooled > hi)))
        if outside:
            ax.text(
                0.98,
                0.95,
                f"{outside} extreme values\nnot drawn",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=8,
            )
        low = float(np.min(np.asarray(az.bfmi(idata)["energy"])))
        flag = "  (< 0.3: low)" if low < 0.3 else ""
        ax.set_title(f"{label}\nE-BFMI min over chains = {low:.2f}{flag}", fontsize=10)
        ax.set_xlabel("energy (centred)")
        ax.set_yticks([])
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle("Energy: marginal distribution vs transitions between draws", fontsize=11)
    return fig


def plot_energy_error_vs_step_size(curves, *, title: str | None = None) -> Figure:
    r"""Energy error against step size (log-log) and against gradient cost, per integrator.

    Each curve is an :class:`~pymc_symplectic.diagnostics.EnergyErrorCurve`: the
    mean :math:`|\Delta H|` after a fixed time on a model, from
    :func:`~pymc_symplectic.diagnostics.energy_error_curve`. Left: against the
    step size, where the slope is the order; right: against the gradient
    evaluations per unit time, the cost that matters in HMC.

    Parameters
    ----------
    curves
        A sequence of energy-error curves.
    title
        Figure title; default names the integration time.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; the legend gives each fitted slope and declared order.
    """
    if isinstance(curves, EnergyErrorCurve):
        curves = [curves]
    try:
        curves = list(curves)
    except TypeError:
        raise TypeError(f"curves must be a sequence of EnergyErrorCurve, got {curves!r}.") from None
    if not curves:
        raise ValueError("curves must hold at least one EnergyErrorCurve.")
    bad = [c for c in curves if not isinstance(c, EnergyErrorCurve)]
    if bad:
        raise TypeError(
            "curves must hold EnergyErrorCurve objects (from diagnostics.energy_error_curve), "
            f"got {bad[0]!r}."
        )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {title!r}.")
    fig = Figure(figsize=(12.0, 5.0), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    for i, curve in enumerate(curves):
        method = _integrators.get(curve.integrator)
        mean = curve.mean_error.astype(float)
        keep = np.isfinite(mean) & (mean > 0)
        style = {
            "color": _COLOURS[i % len(_COLOURS)],
            "linestyle": "-" if method.symplectic else (0, (5, 2)),
            "marker": _MARKERS[i % len(_MARKERS)],
            "markerfacecolor": "none",
            "markeredgewidth": 1.3,
            "linewidth": 1.4,
        }
        label = f"{curve.integrator}: slope {curve.slope:.2f} (order {curve.order})"
        left.plot(curve.step_sizes[keep], mean[keep], label=label, **style)
        cost = curve.grad_evals / curve.integration_time
        right.plot(cost[keep], mean[keep], **style)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
    # Label the measured step sizes only: log-axis minor labels overlap on a short range.
    ticks = np.unique(np.concatenate([c.step_sizes for c in curves]))
    left.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
    left.xaxis.set_minor_formatter(NullFormatter())
    right.xaxis.set_minor_formatter(NullFormatter())
    left.set_xlabel("step size $h$")
    right.set_xlabel("gradient evaluations per unit time")
    left.set_ylabel(r"mean $|H(T) - H(0)|$ over start points")
    left.legend(loc="lower right", title="fitted slope (order)", fontsize=9, title_fontsize=9)
    time_ = curves[0].integration_time
    fig.suptitle(
        title or f"Energy error after a fixed time T = {time_:g} on the model",
        fontsize=11,
    )
    return fig
