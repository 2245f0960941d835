"""Overhead of one HMC gradient evaluation per backend, against one raw compiled gradient call.

For each model, in one run and side by side:

- the raw cost: one call of the model's compiled log-density-and-gradient
  function (PyMC's ``logp_dlogp_function``, inputs trusted), per backend;
- for every sampler: wall time of ``pm.sample`` divided by the gradient
  evaluations it made (tuning included), after a warm-up run that pays the
  compilation. The ratio of the two is the overhead factor: 1 means the sampler
  costs no more than its gradients.

Samplers: SymplecticHMC (leapfrog) with the compiled trajectory on Numba, C and
JAX and with the Python loop, and PyMC's ``HamiltonianMC``, all with PyMC's
path length 2 and step-size adaptation. The second table is ESS per second
(minimum bulk ESS over the parameters, one chain) of the compiled samplers next
to PyMC's NUTS and, when installed, nutpie.

Run: ``.venv/bin/python benchmarks/compiled_trajectory.py [--quick] [--out DIR]``
"""

from __future__ import annotations

import argparse
import logging
import time
import timeit
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm

from pymc_symplectic import RelativisticHMC, SymplecticHMC, examples

BACKENDS = {"numba": "NUMBA", "c": "CVM", "jax": "JAX"}


def gaussian(dim: int) -> pm.Model:
    """Independent Gaussian coordinates with standard deviations from 1 to 3."""
    with pm.Model() as model:
        pm.Normal("x", 0.0, np.linspace(1.0, 3.0, dim), shape=dim)
    return model


MODELS = {
    "gaussian_2": lambda: gaussian(2),
    "gaussian_10": lambda: gaussian(10),
    "gaussian_100": lambda: gaussian(100),
    "gaussian_1000": lambda: gaussian(1000),
    "logistic_10000x50": lambda: examples.get("logistic_regression").build(
        n_obs=10_000, n_predictors=50
    ),
}


def raw_gradient_seconds(model: pm.Model, mode: str) -> float:
    """Median seconds of one compiled logp-and-gradient call at the initial point."""
    func = model.logp_dlogp_function(ravel_inputs=True, mode=mode)
    fn = func._pytensor_function
    x = np.concatenate([np.ravel(v) for v in model.initial_point().values()]).astype(func.dtype)
    fn(x)  # compile / warm up
    fn.trust_input = True
    x = np.asarray(x)
    n = 200
    times = timeit.repeat(lambda: fn(x), number=n, repeat=5)
    return float(np.median(times) / n)


def _gradient_evals(idata, sampler: str) -> int:
    stats = [idata.warmup_sample_stats, idata.sample_stats]
    if sampler == "pymc_hmc":
        # PyMC's HMC takes n_steps steps of one gradient each, plus the start point.
        return int(sum(int(s["n_steps"].sum()) + s["n_steps"].size for s in stats))
    return int(sum(int(s["n_grad_evals"].sum()) for s in stats))


def _make_step(sampler: str, model: pm.Model):
    with model:
        if sampler == "pymc_hmc":
            return pm.HamiltonianMC()
        if sampler == "python":
            return SymplecticHMC(trajectory="python")
        if sampler == "relativistic_numba":
            return RelativisticHMC(trajectory="compiled", compile_kwargs={"mode": "NUMBA"})
        backend = sampler.removeprefix("compiled_")
        return SymplecticHMC(trajectory="compiled", compile_kwargs={"mode": BACKENDS[backend]})


def time_sampler(sampler: str, model: pm.Model, tune: int, draws: int, seed: int):
    """Return (seconds, gradient evaluations, idata) of one timed ``pm.sample``."""
    step = _make_step(sampler, model)
    kwargs = dict(chains=1, cores=1, progressbar=False, compute_convergence_checks=False)
    with model:
        pm.sample(tune=10, draws=10, step=step, random_seed=seed, **kwargs)  # compile
        start = time.perf_counter()
        idata = pm.sample(
            tune=tune, draws=draws, step=step, random_seed=seed + 1,
            discard_tuned_samples=False, **kwargs,
        )
        seconds = time.perf_counter() - start
    return seconds, _gradient_evals(idata, sampler), idata


def min_bulk_ess(idata) -> float:
    """Smallest bulk ESS over all posterior coordinates."""
    ess = az.ess(idata.posterior)
    return float(min(float(ess[v].min()) for v in ess.data_vars))


def overhead_table(tune: int, draws: int, seed: int) -> pd.DataFrame:
    rows = []
    samplers = ["compiled_numba", "compiled_c", "compiled_jax", "python", "pymc_hmc"]
    for name, build in MODELS.items():
        model = build()
        raw = {backend: raw_gradient_seconds(model, mode) for backend, mode in BACKENDS.items()}
        row = {"model": name, "dim": model.initial_point().__len__()}
        row["dim"] = int(sum(np.size(v) for v in model.initial_point().values()))
        for backend in BACKENDS:
            row[f"raw {backend} (us)"] = raw[backend] * 1e6
        for sampler in samplers:
            seconds, grads, _ = time_sampler(sampler, model, tune, draws, seed)
            backend = sampler.removeprefix("compiled_") if sampler.startswith("compiled") else "numba"
            row[sampler] = (seconds / grads) / raw[backend]
            row[f"{sampler} grads/draw"] = grads / (tune + draws)
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def ess_table(tune: int, draws: int, seed: int) -> pd.DataFrame:
    rows = []
    try:
        import nutpie  # noqa: F401

        have_nutpie = True
    except ImportError:
        have_nutpie = False
    for name, build in MODELS.items():
        model = build()
        row = {"model": name}
        for sampler in ("compiled_numba", "compiled_jax", "relativistic_numba"):
            seconds, _, idata = time_sampler(sampler, model, tune, draws, seed)
            row[sampler] = min_bulk_ess(idata) / seconds
        kwargs = dict(chains=1, cores=1, progressbar=False, compute_convergence_checks=False)
        for sampler in ("pymc", "nutpie") if have_nutpie else ("pymc",):
            with model:
                pm.sample(tune=10, draws=10, nuts_sampler=sampler, random_seed=seed, **kwargs)
                start = time.perf_counter()
                idata = pm.sample(
                    tune=tune, draws=draws, nuts_sampler=sampler, random_seed=seed + 1, **kwargs
                )
                seconds = time.perf_counter() - start
            row[f"nuts_{sampler}"] = min_bulk_ess(idata) / seconds
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws")
    parser.add_argument("--out", default="outputs/benchmarks", help="output folder")
    parser.add_argument("--skip-ess", action="store_true", help="only the overhead table")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    tune, draws = (100, 100) if args.quick else (300, 500)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    overhead = overhead_table(tune, draws, seed=1)
    overhead.to_csv(out / "compiled_trajectory_overhead.csv", index=False)
    print("\n" + overhead.to_markdown(index=False, floatfmt=".2f"))
    if not args.skip_ess:
        ess = ess_table(tune, draws, seed=1)
        ess.to_csv(out / "compiled_trajectory_ess.csv", index=False)
        print("\n" + ess.to_markdown(index=False, floatfmt=".1f"))


if __name__ == "__main__":
    main()
