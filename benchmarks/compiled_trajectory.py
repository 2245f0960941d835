"""Overhead of one HMC gradient evaluation per backend, against one raw compiled gradient call.

For each model, in one run and side by side:

- the raw cost: one call of the model's compiled log-density-and-gradient
  function (PyMC's ``logp_dlogp_function``, inputs trusted), per backend;
- for every sampler: wall time of ``pm.sample`` divided by the gradient
  evaluations it made (tuning included), after a warm-up run that pays the
  compilation. The ratio of the two is the overhead factor: 1 means the sampler
  costs no more than its gradients.

Samplers: SymplecticHMC (leapfrog) with the compiled trajectory on Numba, C and
JAX and with the Python loop under Numba and JAX, and PyMC's ``HamiltonianMC``,
all with PyMC's path length 2 and step-size adaptation. A second table times a
bare trajectory of 100 steps (no sampler around it), the floor the issue asks
about: n gradient evaluations should cost about n raw calls. The second table is ESS per second
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
    """``pymc_hmc``, ``relativistic_numba``, or ``<compiled|python>_<backend>``."""
    with model:
        if sampler == "pymc_hmc":
            return pm.HamiltonianMC()
        if sampler == "relativistic_numba":
            return RelativisticHMC(trajectory="compiled", compile_kwargs={"mode": "NUMBA"})
        trajectory, backend = sampler.split("_")
        return SymplecticHMC(trajectory=trajectory, compile_kwargs={"mode": BACKENDS[backend]})


def _backend(sampler: str) -> str:
    return "numba" if sampler == "pymc_hmc" else sampler.split("_")[1]


def time_sampler(sampler: str, model: pm.Model, tune: int, draws: int, seed: int):
    """Return (seconds, gradient evaluations, idata, step, first-run seconds) of a timed run."""
    step = _make_step(sampler, model)
    kwargs = dict(chains=1, cores=1, progressbar=False, compute_convergence_checks=False)
    with model:
        first = time.perf_counter()
        pm.sample(tune=10, draws=10, step=step, random_seed=seed, **kwargs)  # compile
        first = time.perf_counter() - first
        start = time.perf_counter()
        idata = pm.sample(
            tune=tune,
            draws=draws,
            step=step,
            random_seed=seed + 1,
            discard_tuned_samples=False,
            **kwargs,
        )
        seconds = time.perf_counter() - start
    return seconds, _gradient_evals(idata, sampler), idata, step, first


def trajectory_seconds_per_gradient(step, model: pm.Model, n_steps: int = 100) -> float:
    """Seconds per gradient of one trajectory of ``n_steps`` leapfrog steps, no sampler around.

    A step size of 1e-3 keeps every trajectory whole (no divergence).
    """
    from pymc_symplectic._pymc_compat import DictToArrayBijection

    q = DictToArrayBijection.map(model.initial_point())
    rng = np.random.default_rng(0)
    start = step.integrator.compute_state(q, rng.standard_normal(q.data.size))
    integrate = (
        step._integrate_compiled if step.trajectory == "compiled" else step._integrate_python
    )
    integrate(start, 1e-3, n_steps)
    times = timeit.repeat(lambda: integrate(start, 1e-3, n_steps), number=5, repeat=3)
    return float(np.median(times) / 5 / n_steps)


def min_bulk_ess(posterior) -> float:
    """Smallest bulk ESS over all coordinates of a posterior dataset."""
    ess = az.ess(posterior)
    return float(min(float(ess[v].min()) for v in ess.data_vars))


SAMPLERS = (
    "compiled_numba",
    "compiled_c",
    "compiled_jax",
    "python_numba",
    "python_jax",
    "pymc_hmc",
)


def overhead_table(tune: int, draws: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the sampler and the bare-trajectory overhead ratios, one row per model."""
    rows, trajectory_rows = [], []
    for name, build in MODELS.items():
        model = build()
        raw = {backend: raw_gradient_seconds(model, mode) for backend, mode in BACKENDS.items()}
        dim = int(sum(np.size(v) for v in model.initial_point().values()))
        row = {"model": name, "dim": dim}
        trajectory_row = {"model": name, "dim": dim}
        for backend in BACKENDS:
            row[f"raw {backend} (us)"] = raw[backend] * 1e6
            trajectory_row[f"raw {backend} (us)"] = raw[backend] * 1e6
        for sampler in SAMPLERS:
            seconds, grads, _, step, first = time_sampler(sampler, model, tune, draws, seed)
            raw_seconds = raw[_backend(sampler)]
            row[sampler] = (seconds / grads) / raw_seconds
            row[f"{sampler} grads/draw"] = grads / (tune + draws)
            if sampler.startswith("compiled"):
                row[f"{sampler} first run (s)"] = first
            if sampler != "pymc_hmc":
                trajectory_row[sampler] = trajectory_seconds_per_gradient(step, model) / raw_seconds
        rows.append(row)
        trajectory_rows.append(trajectory_row)
        print(pd.DataFrame([row]).T.to_string(header=False), flush=True)
        print(pd.DataFrame([trajectory_row]).T.to_string(header=False), flush=True)
    return pd.DataFrame(rows), pd.DataFrame(trajectory_rows)


def _time_nuts(sampler: str, model: pm.Model, tune: int, draws: int, seed: int):
    """Seconds and posterior of PyMC's NUTS or nutpie, compilation excluded (as for ours)."""
    kwargs = dict(chains=1, cores=1, progressbar=False, compute_convergence_checks=False)
    if sampler == "pymc":
        with model:
            step = pm.NUTS()
            pm.sample(tune=10, draws=10, step=step, random_seed=seed, **kwargs)
            start = time.perf_counter()
            idata = pm.sample(tune=tune, draws=draws, step=step, random_seed=seed + 1, **kwargs)
            return time.perf_counter() - start, idata.posterior
    import nutpie

    compiled = nutpie.compile_pymc_model(model)
    nutpie.sample(compiled, draws=10, tune=10, chains=1, seed=seed, progress_bar=False)
    start = time.perf_counter()
    trace = nutpie.sample(
        compiled, draws=draws, tune=tune, chains=1, seed=seed + 1, progress_bar=False
    )
    return time.perf_counter() - start, trace.posterior


def ess_table(tune: int, draws: int, seed: int) -> pd.DataFrame:
    """ESS per second (minimum bulk ESS) of our compiled samplers, PyMC's NUTS and nutpie."""
    rows = []
    try:
        import nutpie  # noqa: F401

        nuts = ("pymc", "nutpie")
    except ImportError:
        nuts = ("pymc",)
    for name, build in MODELS.items():
        model = build()
        row = {"model": name}
        for sampler in ("compiled_numba", "compiled_jax", "relativistic_numba"):
            seconds, _, idata, _, _ = time_sampler(sampler, model, tune, draws, seed)
            row[sampler] = min_bulk_ess(idata.posterior) / seconds
        for sampler in nuts:
            seconds, posterior = _time_nuts(sampler, model, tune, draws, seed)
            row[f"nuts_{sampler}"] = min_bulk_ess(posterior) / seconds
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws")
    parser.add_argument("--out", default="outputs/benchmarks", help="output folder")
    parser.add_argument("--skip-ess", action="store_true", help="only the overhead tables")
    parser.add_argument("--skip-overhead", action="store_true", help="only the ESS table")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    tune, draws = (100, 100) if args.quick else (300, 500)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.skip_overhead:
        overhead, trajectory = overhead_table(tune, draws, seed=1)
        overhead.to_csv(out / "compiled_trajectory_overhead.csv", index=False)
        trajectory.to_csv(out / "compiled_trajectory_bare.csv", index=False)
        print("\n" + overhead.to_markdown(index=False, floatfmt=".2f"))
        print("\n" + trajectory.to_markdown(index=False, floatfmt=".2f"))
    if not args.skip_ess:
        ess = ess_table(tune, draws, seed=1)
        ess.to_csv(out / "compiled_trajectory_ess.csv", index=False)
        print("\n" + ess.to_markdown(index=False, floatfmt=".1f"))


if __name__ == "__main__":
    main()
