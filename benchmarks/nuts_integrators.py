"""SymplecticNUTS with each multi-stage or 4th-order scheme against PyMC's NUTS.

For each model and seed, one call of :func:`pymc_symplectic.compare` runs every
sampler side by side (same draws, tuning, dispersed starting points); the table
reports the median over seeds of ESS per 1000 gradient evaluations and ESS per
second (minimum bulk ESS over parameters), each as a ratio to PyMC's NUTS from
the same call, plus divergences and mean tree depth.

Run: ``.venv/bin/python benchmarks/nuts_integrators.py [--quick] [--out DIR]``
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm

from pymc_symplectic import compare, examples
from pymc_symplectic.compare import to_markdown

INTEGRATORS = ("leapfrog", "mclachlan", "bcss2", "bcss3", "pefrl", "forest_ruth")


def anisotropic_gaussian(dim: int = 100):
    """Independent Gaussian coordinates with standard deviations log-spaced from 0.01 to 1."""
    with pm.Model() as model:
        pm.Normal("x", 0.0, np.geomspace(0.01, 1.0, dim), shape=dim)
    return model


MODELS = {
    "anisotropic_gaussian_100": anisotropic_gaussian,
    "eight_schools_noncentered": lambda: examples.get("eight_schools_noncentered").build(),
    "logistic_regression": lambda: examples.get("logistic_regression").build(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws and one seed")
    parser.add_argument("--out", default="outputs/benchmarks", help="output folder")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    draws, seeds = (200, [1]) if args.quick else (500, [1, 2, 3])
    samplers = {f"nuts:{name}": f"nuts:{name}" for name in INTEGRATORS}
    rows = []
    for model_name, build in MODELS.items():
        for seed in seeds:
            result = compare(
                build(),
                samplers,
                draws=draws,
                tune=draws,
                chains=2,
                cores=1,
                random_seed=seed,
                progressbar=False,
            )
            for label, row in result.table.iterrows():
                idata = result.runs[label]
                depth = idata.sample_stats.get("tree_depth")
                rows.append(
                    {
                        "model": model_name,
                        "sampler": label,
                        "seed": seed,
                        "ess_per_1k_grad": row["ess_bulk_per_1k_grad"],
                        "ess_per_1k_grad_ratio": row["ess_bulk_per_1k_grad_ratio"],
                        "ess_per_s_ratio": row["ess_bulk_per_s_ratio"],
                        "grad_evals_per_draw": row["grad_evals"] / (2 * draws),
                        "tree_depth": float(depth.mean()) if depth is not None else np.nan,
                        "divergences": row["divergences"],
                    }
                )
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    summary = (
        table.groupby(["model", "sampler"], sort=False)
        .median(numeric_only=True)
        .drop(columns="seed")
        .reset_index()
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "nuts_integrators_runs.csv", index=False)
    summary.to_csv(out / "nuts_integrators.csv", index=False)
    indexed = summary.set_index(summary["model"] + " / " + summary["sampler"])
    markdown = to_markdown(indexed, columns=[c for c in summary if c not in ("model", "sampler")])
    (out / "nuts_integrators.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
