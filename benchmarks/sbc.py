"""Simulation-based calibration of every step-method family: the full run behind docs/validation.

SymplecticHMC (bcss2), RelativisticHMC (leapfrog), SymplecticNUTS (bcss2) and
RelativisticNUTS (leapfrog), default settings otherwise, each on the two reference models
of :mod:`pymc_symplectic.testing.sbc` (a non-centered hierarchical normal model and a
logistic regression): ``--n-simulations`` (200) simulations per combination, each one
chain of ``--tune`` (400) tuning steps and ``n_draws * thin`` draws, every ``thin``-th
kept (``--n-draws`` = 99 kept draws, 100 possible ranks). Every scalar parameter's ranks
are tested with the exact ECDF simultaneous-band test (Säilynoja, Bürkner and Vehtari
2022) at a family-wide false-alarm rate of 1%, Bonferroni over all parameters of all
combinations; the chi-square test on 20 rank bins is reported alongside.

Writes ``sbc_results.inc`` (included by docs/validation/sbc.md) and ``sbc_ecdf.png`` into
``--out`` (default docs/validation), and the raw ranks and per-simulation divergences,
seeds and times into ``--raw`` (outputs/sbc).
The combinations run in ``--processes`` (2) worker processes, longest first.

Run: ``.venv/bin/python benchmarks/sbc.py [--quick]`` (``make sbc``).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

FAMILIES = ("SymplecticHMC", "RelativisticHMC", "SymplecticNUTS", "RelativisticNUTS")
INTEGRATORS = {
    "SymplecticHMC": "bcss2",
    "RelativisticHMC": "leapfrog",
    "SymplecticNUTS": "bcss2",
    "RelativisticNUTS": "leapfrog",
}
MODELS = ("hierarchical_normal", "logistic_regression")
# Measured cost per iteration (ms, one core) to start the longest combinations first.
COST_MS = {
    ("SymplecticHMC", "hierarchical_normal"): 0.24,
    ("SymplecticHMC", "logistic_regression"): 0.18,
    ("RelativisticHMC", "hierarchical_normal"): 0.76,
    ("RelativisticHMC", "logistic_regression"): 0.58,
    ("SymplecticNUTS", "hierarchical_normal"): 0.49,
    ("SymplecticNUTS", "logistic_regression"): 0.29,
    ("RelativisticNUTS", "hierarchical_normal"): 1.25,
    ("RelativisticNUTS", "logistic_regression"): 1.27,
}
FAMILY_ALPHA = 0.01
CHI2_BINS = 20


def step_factory(family: str, trajectory: str):
    """Return ``model -> step`` for one family (module-level, so workers can pickle it)."""
    import functools

    return functools.partial(_build_step, family, trajectory)


def _build_step(family: str, trajectory: str, model):
    import pymc_symplectic

    kwargs = {"integrator": INTEGRATORS[family], "model": model}
    if family.endswith("HMC"):
        kwargs["trajectory"] = trajectory
    return getattr(pymc_symplectic, family)(**kwargs)


def run_one(job: tuple) -> tuple:
    """Run SBC of one (family, model) combination; executed in a worker process."""
    family, model_name, n_simulations, n_draws, tune, seed, trajectory = job
    logging.basicConfig(
        level=logging.WARNING,
        format=f"%(asctime)s {family}/{model_name} %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("pymc").setLevel(logging.ERROR)
    logging.getLogger("pymc_symplectic.testing.sbc").setLevel(logging.INFO)  # one line a run
    from pymc_symplectic.testing.sbc import SBC_MODELS, SBC_THIN, simulation_based_calibration

    build, var_names = SBC_MODELS[model_name]
    start = time.perf_counter()
    result = simulation_based_calibration(
        build(),
        step_factory(family, trajectory),
        n_simulations,
        n_draws=n_draws,
        thin=SBC_THIN[family, model_name],
        tune=tune,
        var_names=var_names,
        seed=seed,
    )
    return family, model_name, result, time.perf_counter() - start


def _cell(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "**NO**"
    if isinstance(value, float | np.floating):
        return f"{value:.3g}"
    return str(value)


def to_markdown(table: pd.DataFrame) -> str:
    """Format a table as GitHub Markdown, numbers to 3 significant digits."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines) + "\n"


def tables(results: dict, n_tests: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-combination and per-parameter tables."""
    combos, params = [], []
    for (family, model_name), (result, seconds) in results.items():
        summary = result.summary(FAMILY_ALPHA, n_tests=n_tests)
        chi2 = result.chi2_pvalues(n_bins=min(CHI2_BINS, result.n_ranks))
        divergences = result.divergences
        combos.append(
            {
                "family": family,
                "model": model_name,
                "integrator": INTEGRATORS[family],
                "simulations": result.n_simulations,
                "thin": result.thin,
                "divergences": int(divergences.sum()),
                "sims with divergences": int(np.count_nonzero(divergences)),
                "min ECDF p": float(summary["ecdf_pvalue"].min()),
                "min chi2 p": float(min(chi2.values())),
                "median ESS / kept draw": float(
                    np.median(np.concatenate([v for v in result.ess.values()])) / result.n_draws
                ),
                "minutes": seconds / 60.0,
                "calibrated": bool(summary["calibrated"].all()),
            }
        )
        for label, row in summary.iterrows():
            params.append(
                {
                    "family": family,
                    "model": model_name,
                    "parameter": label,
                    "ECDF p": row["ecdf_pvalue"],
                    "chi2 p": chi2[label],
                    "ESS / kept draw (median)": row["ess_per_kept_draw_median"],
                    "ESS / kept draw (min)": row["ess_per_kept_draw_min"],
                    "calibrated": bool(row["calibrated"]),
                }
            )
    return pd.DataFrame(combos), pd.DataFrame(params)


def plot(results: dict, n_tests: int, path: Path) -> None:
    """One ECDF-difference panel per combination: families in rows, models in columns."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from pymc_symplectic.testing.sbc import plot_ecdf_difference

    figure = Figure(figsize=(13.0, 15.0), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(FAMILIES), len(MODELS), sharex=True, squeeze=False)
    for i, family in enumerate(FAMILIES):
        for j, model_name in enumerate(MODELS):
            if (family, model_name) not in results:
                axes[i, j].set_visible(False)
                continue
            result, _ = results[family, model_name]
            plot_ecdf_difference(
                result,
                alpha=FAMILY_ALPHA,
                n_tests=n_tests,
                ax=axes[i, j],
                title=f"{family} ({INTEGRATORS[family]}), {model_name}",
            )
    figure.suptitle(
        f"SBC: ECDF difference of the ranks with the simultaneous {1 - FAMILY_ALPHA:g} band "
        f"(Bonferroni over {n_tests} parameters)"
    )
    figure.savefig(path, dpi=90)


def machine() -> str:
    """Describe the machine and the library versions."""
    import arviz
    import pymc
    import pytensor

    import pymc_symplectic

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, pymc-symplectic {pymc_symplectic.__version__}, "
        f"PyMC {pymc.__version__}, PyTensor {pytensor.__version__}, NumPy {np.__version__}, "
        f"ArviZ {arviz.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-simulations", type=int, default=200)
    parser.add_argument("--n-draws", type=int, default=99, help="kept draws L (L + 1 ranks)")
    parser.add_argument("--tune", type=int, default=400)
    parser.add_argument("--seed", type=int, default=20180418)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--trajectory",
        default="python",
        choices=("python", "auto", "compiled"),
        help="trajectory= of the HMC families (python: step by step, which gives the same "
        "draws as the compiled path without its compilation time)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 simulations")
    parser.add_argument("--out", default="docs/validation", help="folder of the table and figure")
    parser.add_argument("--raw", default="outputs/sbc", help="folder of the raw ranks")
    args = parser.parse_args()
    if args.quick:
        args.n_simulations, args.n_draws, args.tune = 20, 19, 200
        if args.out == "docs/validation":
            args.out = "outputs/sbc"

    from pymc_symplectic.testing.sbc import SBC_THIN

    jobs = sorted(
        (
            (family, model_name, args.n_simulations, args.n_draws, args.tune, seed, args.trajectory)
            for seed, (family, model_name) in enumerate(
                ((f, m) for f in FAMILIES for m in MODELS), start=args.seed
            )
        ),
        key=lambda job: (
            -COST_MS[job[0], job[1]] * (args.tune + args.n_draws * SBC_THIN[job[0], job[1]])
        ),
    )
    start = time.perf_counter()
    results = {}
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes, maxtasksperchild=1) as pool:
        for family, model_name, result, seconds in pool.imap_unordered(run_one, jobs):
            results[family, model_name] = (result, seconds)
            print(
                f"done {family}/{model_name} in {seconds / 60:.1f} min, min p = "
                f"{min(result.pvalues.values()):.3g}",
                flush=True,
            )
    wall = time.perf_counter() - start
    results = {key: results[key] for key in ((f, m) for f in FAMILIES for m in MODELS)}

    n_tests = sum(len(result.ranks) for result, _ in results.values())
    combos, params = tables(results, n_tests)
    out, raw = Path(args.out), Path(args.raw)
    out.mkdir(parents=True, exist_ok=True)
    raw.mkdir(parents=True, exist_ok=True)
    rows = []
    for (family, model_name), (result, _) in results.items():
        for label, ranks in result.ranks.items():
            for i, rank in enumerate(ranks):
                rows.append(
                    (family, model_name, label, i, int(rank), result.prior_values[label][i])
                )
    pd.DataFrame(
        rows, columns=["family", "model", "parameter", "simulation", "rank", "prior_value"]
    ).to_csv(raw / "sbc_ranks.csv", index=False)
    pd.DataFrame(
        [
            (family, model_name, i, int(d), int(seed), float(sec))
            for (family, model_name), (result, _) in results.items()
            for i, (d, seed, sec) in enumerate(
                zip(result.divergences, result.seeds, result.seconds, strict=True)
            )
        ],
        columns=["family", "model", "simulation", "divergences", "random_seed", "seconds"],
    ).to_csv(raw / "sbc_simulations.csv", index=False)
    combos.to_csv(raw / "sbc_combinations.csv", index=False)
    params.to_csv(raw / "sbc_parameters.csv", index=False)
    plot(results, n_tests, out / "sbc_ecdf.png")

    level = FAMILY_ALPHA / n_tests
    failed = params[~params["calibrated"]]
    verdict = (
        f"**All {n_tests} rank distributions are consistent with uniformity** (every ECDF "
        f"p-value > {level:.2g})."
        if failed.empty
        else f"**{len(failed)} of {n_tests} rank distributions fail** (ECDF p-value <= "
        f"{level:.2g}): "
        + ", ".join(f"{r.family}/{r.model}/{r.parameter}" for r in failed.itertuples())
        + "."
    )
    command = (
        "make sbc" if sys.argv[1:] == [] else "python benchmarks/sbc.py " + " ".join(sys.argv[1:])
    )
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    text = [
        "```{note}",
        f"Last full run: {date}, `{command}` ({args.n_simulations} simulations per "
        f"combination, {args.n_draws + 1} ranks, {args.tune} tuning steps, seed {args.seed}, "
        f"HMC trajectory `{args.trajectory}`), {wall / 60:.1f} minutes in "
        f"{args.processes} processes on {machine()}.",
        "```",
        "",
        verdict,
        f"Each p-value is compared with {FAMILY_ALPHA:g} / {n_tests} = {level:.2g}, so a "
        f"calibrated set of samplers fails anywhere with probability at most "
        f"{FAMILY_ALPHA:g}.",
        "",
        "**Per combination** (divergences after tuning, summed over simulations; minutes of "
        "wall time in one worker):",
        "",
        to_markdown(combos),
        "**Per parameter** (ESS per kept draw: bulk ESS of each simulation's "
        "`n_draws * thin` draws over `n_draws`; median and minimum over simulations):",
        "",
        to_markdown(params),
    ]
    (out / "sbc_results.inc").write_text("\n".join(text))
    print("\n".join(text))
    print(f"wrote {out / 'sbc_results.inc'}, {out / 'sbc_ecdf.png'} and {raw}/", flush=True)


if __name__ == "__main__":
    main()
