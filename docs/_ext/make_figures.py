"""Generate the figures of the documentation with the library itself.

Run by the Sphinx build (``symplectic_docs``) into ``docs/_generated/figures``; it can
also be run by hand: ``python docs/_ext/make_figures.py OUT_DIR``. Every figure is drawn
by :mod:`pymc_symplectic.plots` or from the library's own objects, never by hand.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from pymc_symplectic import integrators, plots
from pymc_symplectic.dynamics import simulate
from pymc_symplectic.kinetic import GaussianKinetic, RelativisticKinetic
from pymc_symplectic.testing import HarmonicOscillator

__all__ = ["FIGURES", "make_figures"]

#: Integrators of the HMC-oriented figures (cheap multi-stage schemes next to leapfrog).
HMC_SCHEMES = ("leapfrog", "bcss2", "bcss3", "forest_ruth")
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def phase_portrait() -> Figure:
    """Euler's spiral against leapfrog and Forest-Ruth on the oscillator."""
    return plots.plot_phase_portrait(("euler", "symplectic_euler", "leapfrog", "forest_ruth"))


def energy_error() -> Figure:
    """Long-run energy error of the classical table."""
    return plots.plot_energy_error()


def convergence() -> Figure:
    """Global error against step size, with fitted slopes."""
    return plots.plot_convergence()


def kinetic_energies() -> Figure:
    """Gaussian and relativistic K(p), dK/dp, and exact momentum draws against exp(-K)."""
    p = np.linspace(-6, 6, 601)
    gaussian = GaussianKinetic.identity(1)
    fig = Figure(figsize=(12.0, 3.8), layout="constrained")
    ax_k, ax_v, ax_s = fig.subplots(1, 3)
    ax_k.plot(p, [gaussian.energy(np.array([x])) for x in p], color="k", label="Gaussian")
    ax_v.plot(p, [gaussian.velocity(np.array([x]))[0] for x in p], color="k", label="Gaussian")
    for c, colour in ((0.5, "#1f77b4"), (1.0, "#ff7f0e"), (2.0, "#2ca02c")):
        rel = RelativisticKinetic([1.0], c=c, m=1.0)
        energy = np.array([rel.energy(np.array([x])) - rel.energy(np.zeros(1)) for x in p])
        ax_k.plot(p, energy, color=colour, label=f"relativistic, c = {c:g}")
        ax_v.plot(p, [rel.velocity(np.array([x]))[0] for x in p], color=colour)
        ax_v.axhline(c, color=colour, linestyle=":", linewidth=0.8)
        ax_v.axhline(-c, color=colour, linestyle=":", linewidth=0.8)
    ax_k.set(xlabel="momentum $p$", ylabel="$K(p) - K(0)$", title="Kinetic energy", ylim=(0, 8))
    ax_v.set(xlabel="momentum $p$", ylabel="velocity $dK/dp$", title="Velocity (dotted: $\\pm c$)")
    ax_k.legend(fontsize=8)
    # Exact draws from exp(-K) in d = 3 (isotropic form): the radial law of |p|.
    rel = RelativisticKinetic(np.ones(3), c=1.0, m=1.0)
    rng = np.random.default_rng(0)
    radius = np.array([np.linalg.norm(rel.sample(rng)) for _ in range(20_000)])
    r = np.linspace(0, radius.max(), 400)
    density = r**2 * np.exp(-np.sqrt(r**2 + 1.0))
    density /= np.trapezoid(density, r)
    ax_s.hist(radius, bins=80, density=True, color="0.75", label="20 000 exact draws")
    ax_s.plot(r, density, color="#d62728", label=r"$\propto r^2 e^{-\sqrt{r^2 + 1}}$")
    ax_s.set(xlabel="$|p|$", ylabel="density", title="Relativistic momenta, d = 3, c = m = 1")
    ax_s.legend(fontsize=8)
    for ax in (ax_k, ax_v, ax_s):
        ax.grid(alpha=0.3)
    return fig


def stability() -> Figure:
    """HMC energy error over a unit-time trajectory against h, up to each stability limit."""
    system = HarmonicOscillator()
    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.subplots()
    for i, name in enumerate(HMC_SCHEMES):
        method = integrators.get(name)
        limit = method.stability_limit
        # Step sizes per gradient evaluation, so the schemes compare at equal cost.
        cost = method.grad_evals_per_step
        steps = np.linspace(0.05, 0.995 * limit, 60)
        errors = []
        for h in steps:
            n = max(1, math.ceil(10.0 / h))
            run = simulate(method, system.hamiltonian, [1.0], [0.0], h, n)
            errors.append(float(np.max(np.abs(run.energy_error))))
        colour = _COLOURS[i % len(_COLOURS)]
        ax.plot(steps / cost, errors, color=colour, label=f"{name} (limit h* = {limit:.2f})")
        ax.axvline(limit / cost, color=colour, linestyle=":", linewidth=1.0)
    ax.set_yscale("log")
    ax.set_xlabel("step size per gradient evaluation, $h / g$")
    ax.set_ylabel(r"max $|\Delta H|$ over $t \in [0, 10]$")
    ax.set_title("Harmonic oscillator: energy error up to the stability limit (dotted)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    return fig


#: File name -> function drawing it.
FIGURES: dict[str, Callable[[], Figure]] = {
    "phase_portrait.png": phase_portrait,
    "energy_error.png": energy_error,
    "convergence.png": convergence,
    "kinetic_energies.png": kinetic_energies,
    "stability.png": stability,
}


def make_figures(out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Draw every figure of :data:`FIGURES` into ``out_dir``; return the paths written.

    A figure newer than every source file of the package is kept unless ``force``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    package = Path(plots.__file__).resolve().parent
    newest_source = max(
        [p.stat().st_mtime for p in package.rglob("*.py")] + [Path(__file__).stat().st_mtime]
    )
    written = []
    for name, draw in FIGURES.items():
        path = out / name
        if not force and path.exists() and path.stat().st_mtime > newest_source:
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            plots.save_figure(draw(), path, dpi=100)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in make_figures(sys.argv[1] if len(sys.argv) > 1 else "figures", force=True):
        print(path)
