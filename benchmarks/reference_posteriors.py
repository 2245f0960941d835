"""Reference posteriors: every step-method family against sampler-independent means and sds.

For every model of ``pymc_symplectic.testing.reference_posteriors.REFERENCE_POSTERIORS``,
sample with each step-method family (SymplecticHMC, RelativisticHMC, SymplecticNUTS,
RelativisticNUTS), each with the leapfrog and the BCSS two-stage integrator, and with
PyMC's own NUTS (``nuts_sampler="pymc"``) as a baseline; print a Markdown table of the
largest standardised error |mean - reference mean| / reference sd over parameters, the
largest relative sd error, the smallest ESS, divergences and wall time.

Run: ``.venv/bin/python benchmarks/reference_posteriors.py [--quick] [--out DIR]``

The 2PL model has no exact reference; ``--irt-reference`` recomputes it by a long run of
PyMC's NUTS and prints the constants stored in the module (minutes).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import platform
import time
import zlib
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm

from pymc_symplectic import RelativisticHMC, RelativisticNUTS, SymplecticHMC, SymplecticNUTS
from pymc_symplectic.testing.reference_posteriors import (
    REFERENCE_POSTERIORS,
    check_reference_posterior,
    irt_2pl,
)

FAMILIES = {
    "SymplecticHMC": SymplecticHMC,
    "RelativisticHMC": RelativisticHMC,
    "SymplecticNUTS": SymplecticNUTS,
    "RelativisticNUTS": RelativisticNUTS,
}
INTEGRATORS = ("leapfrog", "bcss2")
MAX_STANDARDIZED_ERROR = 0.25
SD_RTOL = 0.25


def _seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def sample(entry, family: str | None, integrator: str | None, tune, draws, chains, seed):
    """Sample ``entry``'s model with a step-method family, or PyMC's NUTS when None."""
    with entry.build():
        kwargs = {}
        if family is None:
            kwargs["nuts_sampler"] = "pymc"
            if entry.target_accept is not None:
                kwargs["target_accept"] = entry.target_accept
        else:
            step_kwargs = {"integrator": integrator}
            if entry.target_accept is not None:
                step_kwargs["target_accept"] = entry.target_accept
            kwargs["step"] = FAMILIES[family](**step_kwargs)
        return pm.sample(
            tune=tune,
            draws=draws,
            chains=chains,
            cores=1,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
            **kwargs,
        )


def run(tune: int, draws: int, chains: int, models, false_alarm: float) -> pd.DataFrame:
    """Sample every model with every sampler; one row per run."""
    rows = []
    samplers = [(f, i) for f in FAMILIES for i in INTEGRATORS] + [(None, None)]
    for name in models:
        entry = REFERENCE_POSTERIORS[name]
        for family, integrator in samplers:
            label = "PyMC NUTS" if family is None else family
            start = time.perf_counter()
            idata = sample(
                entry, family, integrator, tune, draws, chains, _seed(name, label, integrator)
            )
            seconds = time.perf_counter() - start
            check = check_reference_posterior(
                idata,
                entry,
                max_standardized_error=MAX_STANDARDIZED_ERROR,
                sd_rtol=SD_RTOL,
                false_alarm=false_alarm,
            )
            worst = max(check.parameters, key=lambda p: abs(p.standardized_error))
            worst_sd = max(check.parameters, key=lambda p: abs(p.sd_ratio - 1.0))
            rows.append(
                {
                    "model": name,
                    "sampler": label,
                    "integrator": integrator or "leapfrog",
                    "max_abs_std_error": abs(worst.standardized_error),
                    "worst_parameter": worst.name,
                    "max_abs_sd_error": abs(worst_sd.sd_ratio - 1.0),
                    "sd_unchecked": len(check.sd_unchecked()),
                    "min_ess": check.min_ess,
                    "divergences": check.divergences,
                    "mean_ok": not check.mean_failures(),
                    "sd_ok": not check.sd_failures(),
                    "ess_ok": not check.ess_failures(),
                    "seconds": seconds,
                }
            )
            print(pd.DataFrame(rows[-1:]).to_string(header=len(rows) == 1, index=False))
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """Return ``table`` as a Markdown table (no tabulate dependency)."""

    def fmt(value):
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "**no**"
        if isinstance(value, float | np.floating):
            return f"{value:.3g}"
        return str(value)

    lines = [
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


def irt_reference(chains: int = 16, tune: int = 2000, draws: int = 5000, seed: int = 2024):
    """Run PyMC's NUTS long on the 2PL model and print the reference constants."""
    with irt_2pl():
        idata = pm.sample(
            nuts_sampler="pymc",
            tune=tune,
            draws=draws,
            chains=chains,
            cores=1,
            target_accept=0.95,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    post = idata.posterior
    divergences = int(idata.sample_stats["diverging"].values.sum())
    rhat = max(float(np.max(az.rhat(post[v].values))) for v in ("theta", "a", "b"))
    ess = min(float(np.min(az.ess(post[v].values, method="bulk"))) for v in ("theta", "a", "b"))
    print(f"# {chains} chains x {draws} draws (tune {tune}), target_accept 0.95, seed {seed}")
    print(f"# divergences {divergences}, max R-hat {rhat:.4f}, min bulk ESS {ess:.0f}")
    print("_IRT_REFERENCE = {")
    for var in ("theta", "a", "b"):
        values = post[var].values
        stats = {
            "mean": values.mean(axis=(0, 1)),
            "sd": values.std(axis=(0, 1), ddof=1),
            "mcse_mean": np.asarray(az.mcse(values, method="mean")),
            "mcse_sd": np.asarray(az.mcse(values, method="sd")),
        }
        print(f'    "{var}": {{')
        for key, arr in stats.items():
            digits = 5 if key in ("mean", "sd") else 2
            numbers = ", ".join(f"{x:.{digits}g}" for x in arr)
            print(f'        "{key}": ({numbers}),')
        print("    },")
    print("}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 draws, 2 chains (smoke run)")
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--models", nargs="*", default=list(REFERENCE_POSTERIORS))
    parser.add_argument("--out", type=Path, default=None, help="write CSV and Markdown here")
    parser.add_argument(
        "--irt-reference", action="store_true", help="recompute the 2PL reference and exit"
    )
    args = parser.parse_args(argv)
    logging.getLogger("pymc").setLevel(logging.ERROR)
    if args.irt_reference:
        irt_reference()
        return
    if args.quick:
        args.tune, args.draws, args.chains = 500, 500, 2
    n_comparisons = sum(2 * REFERENCE_POSTERIORS[m].n_parameters for m in args.models)
    n_runs = len(FAMILIES) * len(INTEGRATORS) + 1
    # Bonferroni over all mean and sd comparisons of the table: family-wide 1%.
    false_alarm = 0.01 / (n_comparisons * n_runs)
    start = time.perf_counter()
    table = run(args.tune, args.draws, args.chains, args.models, false_alarm)
    header = (
        f"Measured {datetime.date.today()} on {platform.machine()} ({platform.system()}), "
        f"{args.chains} chains x {args.draws} draws after {args.tune} tuning draws, cores=1, "
        f"PyMC {pm.__version__}; {time.perf_counter() - start:.0f} s in all. "
        f"ESS adequacy at false-alarm {false_alarm:.2g} per comparison."
    )
    text = header + "\n\n" + markdown(table)
    print()
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "reference_posteriors.csv", index=False)
        (args.out / "reference_posteriors.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
