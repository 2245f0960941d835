"""Robustness of RelativisticHMC against Gaussian-kinetic SymplecticHMC at inflated step sizes.

For each model: tune each sampler once (step size by dual averaging, mass matrix,
and for RelativisticHMC the speed of light) to get its tuned step size h*; then,
for k in STEP_FACTORS, sample again with the step size fixed at k * h* (the mass
matrix and c still adapt during tuning) and record post-tuning divergences and
bulk ESS per 1000 gradient evaluations (ArviZ's ``ess``, minimum over parameters), and the
ratio of the draws' spread to the exact one (funnel: sd of v; Student-t: interquartile range),
which tells a sampler that moves from one whose chains froze without diverging.
Medians over SEEDS. All runs of a table happen side by side in one process.

Run: ``.venv/bin/python benchmarks/relativistic_robustness.py [--quick] [--out DIR]``
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm

from pymc_symplectic import examples
from pymc_symplectic.step_methods import SymplecticHMC
from pymc_symplectic.step_methods.relativistic import RelativisticHMC

STEP_FACTORS = (1.0, 1.5, 2.0, 3.0, 4.0)
SAMPLERS = {
    "gaussian": (SymplecticHMC, {}),
    "relativistic per-coordinate": (RelativisticHMC, {"form": "per_coordinate"}),
    "relativistic isotropic": (RelativisticHMC, {"form": "isotropic"}),
}


def heavy_tailed(dim: int = 10):
    """Independent Student-t coordinates with 2 degrees of freedom (infinite variance)."""
    with pm.Model() as model:
        pm.StudentT("x", nu=2.0, mu=0.0, sigma=1.0, shape=dim)
    return model


MODELS = {
    "funnel": lambda: examples.get("funnel").build(),
    "student_t2": heavy_tailed,
}
#: Exact spread of each model's draws, to tell a sampler that moves from one that froze:
#: the funnel's v has sd 3; a Student-t(2) coordinate has interquartile range 2 * sqrt(2/3).
EXACT_SPREAD = {"funnel": 3.0, "student_t2": 2 * np.sqrt(2 / 3)}


def spread_ratio(model_name: str, idata) -> float:
    """Estimated over exact spread (1 when the draws cover the target; near 0 when frozen)."""
    if model_name == "funnel":
        estimate = float(idata.posterior["v"].values.std())
    else:
        x = idata.posterior["x"].values.reshape(-1, idata.posterior["x"].shape[-1])
        estimate = float(np.mean(np.subtract(*np.percentile(x, [75, 25], axis=0))))
    return estimate / EXACT_SPREAD[model_name]


def _sample(model, cls, kwargs, seed, tune, draws, **extra):
    with model:
        step = cls(**kwargs, **extra)
        return pm.sample(
            step=step,
            tune=tune,
            draws=draws,
            chains=2,
            cores=1,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        ), step


def run(tune: int, draws: int, seeds: list[int]) -> pd.DataFrame:
    """Return one row per (model, sampler, step factor, seed)."""
    rows = []
    for model_name, build in MODELS.items():
        for label, (cls, kwargs) in SAMPLERS.items():
            for seed in seeds:
                tuned, step = _sample(build(), cls, kwargs, seed, tune, draws)
                h_star = float(tuned.sample_stats.step_size_bar.values[0, -1])
                ratio = step.stability_ratio
                dim = step.potential._n
                for factor in STEP_FACTORS:
                    # SymplecticHMC starts at step_scale / d**0.25 * ratio; solve for k h*.
                    step_scale = factor * h_star * dim**0.25 / ratio
                    start = time.perf_counter()
                    idata, _ = _sample(
                        build(),
                        cls,
                        kwargs,
                        seed + 1000,
                        tune,
                        draws,
                        step_scale=step_scale,
                        adapt_step_size=False,
                        step_rand=None,
                    )
                    stats = idata.sample_stats
                    ess = az.ess(idata, method="bulk")
                    ess_min = float(min(np.min(ess[v].values) for v in ess.data_vars))
                    grads = float(stats.n_grad_evals.values.sum())
                    rows.append(
                        {
                            "model": model_name,
                            "sampler": label,
                            "seed": seed,
                            "step_factor": factor,
                            "step_size": float(stats.step_size.values.mean()),
                            "divergences": int(stats.diverging.values.sum()),
                            "ess_bulk_min": ess_min,
                            "ess_per_1000_grads": 1000 * ess_min / grads,
                            "acceptance": float(stats.acceptance_rate.values.mean()),
                            "spread_ratio": spread_ratio(model_name, idata),
                            "speed_of_light": float(stats.speed_of_light.values[0, -1])
                            if "speed_of_light" in stats
                            else np.nan,
                            "seconds": time.perf_counter() - start,
                        }
                    )
                    print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def plot(summary: pd.DataFrame, path: Path) -> None:
    """Divergences and ESS per 1000 gradients against the step-size factor, per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(summary["model"].unique())
    fig, axes = plt.subplots(2, len(models), figsize=(5.5 * len(models), 7), squeeze=False)
    for j, model in enumerate(models):
        part = summary[summary["model"] == model]
        for label, rows in part.groupby("sampler", sort=False):
            style = "--" if label == "gaussian" else "-"
            axes[0, j].plot(
                rows["step_factor"], rows["divergences"], style, marker="o", label=label
            )
            axes[1, j].plot(
                rows["step_factor"], rows["ess_per_1000_grads"], style, marker="o", label=label
            )
        axes[0, j].set_title(model)
        axes[0, j].set_ylabel("divergences after tuning (median)")
        axes[1, j].set_ylabel("min bulk ESS per 1000 gradients (median)")
        axes[1, j].set_yscale("log")
        for ax in axes[:, j]:
            ax.set_xlabel("step size / tuned step size")
            ax.grid(alpha=0.3)
    axes[0, 0].legend()
    fig.suptitle("Gaussian vs relativistic kinetic energy at inflated step sizes (leapfrog HMC)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def to_markdown(table: pd.DataFrame) -> str:
    """Format a table as GitHub Markdown, numbers to 3 significant digits."""

    def cell(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws and one seed")
    parser.add_argument("--out", default="outputs/benchmarks", help="output folder")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    tune, draws, seeds = (300, 500, [1]) if args.quick else (1000, 1000, [1, 2, 3])
    table = run(tune, draws, seeds)
    summary = (
        table.groupby(["model", "sampler", "step_factor"])[
            ["divergences", "ess_per_1000_grads", "spread_ratio", "acceptance", "speed_of_light"]
        ]
        .median()
        .reset_index()
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "relativistic_robustness_runs.csv", index=False)
    summary.to_csv(out / "relativistic_robustness.csv", index=False)
    plot(summary, out / "relativistic_robustness.png")
    markdown = to_markdown(summary)
    (out / "relativistic_robustness.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
