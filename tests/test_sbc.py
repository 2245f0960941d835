"""Simulation-based calibration (Talts et al. 2018) of every step-method family, CI-sized.

Each of SymplecticHMC (bcss2), RelativisticHMC (leapfrog), SymplecticNUTS (bcss2) and
RelativisticNUTS (leapfrog), default settings otherwise, runs SBC on the two reference
models of :mod:`pymc_symplectic.testing.sbc`: a non-centered hierarchical normal model and
a logistic regression. Every scalar parameter's ranks are tested for uniformity with the
exact ECDF simultaneous-band test of Säilynoja, Bürkner and Vehtari (2022); the level is
Bonferroni over all ranked parameters of the eight runs, so a calibrated set of samplers
fails with probability at most ``FAMILY_ALPHA`` = 1% (given independent kept draws;
``SBC_THIN`` below comes from measured ESS). Seeds are fixed; nothing is retried.

Power: with ``N_SIMULATIONS`` = 30 ranks among ``N_DRAWS`` = 9 draws this catches only
gross miscalibration. On a conjugate normal model, over 300 seeds, a posterior shifted by
1.5 (1) posterior standard deviations is caught with probability 1.0 (0.73), one with a
10 (4) times too small standard deviation with 0.99 (0.70), one 2 times too wide with
0.01. The full run, ``make sbc`` (``benchmarks/sbc.py``: 200 simulations, 100 ranks),
detects a standard deviation off by a factor 1.5 or a shift of half a standard deviation;
its results are in docs/validation/sbc.md. The negative controls show that the test here
does fail on a grossly miscalibrated posterior, with and without a sampler.
"""

import numpy as np
import pymc as pm
import pytest

from pymc_symplectic import RelativisticHMC, RelativisticNUTS, SymplecticHMC, SymplecticNUTS
from pymc_symplectic.testing.sbc import (
    SBC_MODELS,
    SBC_THIN,
    SBCResult,
    _null,
    chi2_uniformity_pvalue,
    ecdf_band,
    ecdf_uniformity_pvalue,
    hierarchical_normal_model,
    plot_ecdf_difference,
    sbc_ranks,
    simulation_based_calibration,
)

pytestmark = pytest.mark.usefixtures("quiet_pymc")

N_SIMULATIONS = 30
N_DRAWS = 9  # L: 10 possible ranks
TUNE = 100
FAMILY_ALPHA = 0.01

# The HMC families integrate step by step (trajectory="python"): the compiled whole-trajectory
# path gives the same draws (tests/test_compiled_trajectory.py; on these runs the same ranks)
# but its first compilation of each model took ~25 s on a cold PyTensor cache, more than
# this file may take.
FAMILIES = {
    "SymplecticHMC": lambda m: SymplecticHMC(integrator="bcss2", trajectory="python", model=m),
    "RelativisticHMC": lambda m: RelativisticHMC(
        integrator="leapfrog", trajectory="python", model=m
    ),
    "SymplecticNUTS": lambda m: SymplecticNUTS(integrator="bcss2", model=m),
    "RelativisticNUTS": lambda m: RelativisticNUTS(integrator="leapfrog", model=m),
}
SEEDS = {name: 1000 + i for i, name in enumerate(SBC_THIN)}


def _n_scalars(model_name: str) -> int:
    build, var_names = SBC_MODELS[model_name]
    model = build()
    return sum(int(np.prod(model[name].shape.eval())) for name in var_names)


# Bonferroni over every ranked scalar of the 8 SBC runs: (2 + 6) hierarchical plus
# (1 + 3) logistic, times 4 families = 48 tests at 0.01 / 48 = 2.1e-4 each.
N_TESTS = len(FAMILIES) * sum(_n_scalars(name) for name in SBC_MODELS)
LEVEL = FAMILY_ALPHA / N_TESTS


@pytest.fixture(scope="module")
def models():
    """One compiled model per reference problem, shared by the families (data are reset)."""
    return {name: build() for name, (build, _) in SBC_MODELS.items()}


def _describe(result: SBCResult) -> str:
    lines = [
        f"{k}: p = {p:.3g}, ESS per kept draw (median) = "
        f"{np.median(result.ess[k]) / result.n_draws:.2f}"
        for k, p in result.pvalues.items()
    ]
    return f"divergences {result.total_divergences}\n  " + "\n  ".join(lines)


@pytest.mark.parametrize(("family", "model_name"), list(SBC_THIN))
def test_family_is_calibrated(models, family, model_name):
    _, var_names = SBC_MODELS[model_name]
    result = simulation_based_calibration(
        models[model_name],
        FAMILIES[family],
        N_SIMULATIONS,
        n_draws=N_DRAWS,
        thin=SBC_THIN[family, model_name],
        tune=TUNE,
        var_names=var_names,
        seed=SEEDS[family, model_name],
    )
    assert result.n_simulations == N_SIMULATIONS and result.n_ranks == N_DRAWS + 1
    assert result.step == family
    failed = result.failed(FAMILY_ALPHA, n_tests=N_TESTS)  # p-value <= LEVEL
    assert not failed, (
        f"{family} on {model_name}: ranks not uniform (level {LEVEL:.2g}):\n" + _describe(result)
    )


def _conjugate_ranks(seed: int, n: int, n_draws: int, shift: float, scale: float):
    """Ranks of theta ~ N(0, 1) among draws of a posterior of y_1..5 ~ N(theta, 1).

    The exact posterior is N(sum(y) / 6, 1 / 6); the draws come from it shifted by
    ``shift`` posterior standard deviations and with its standard deviation times ``scale``.
    """
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    y = theta[:, None] + rng.normal(size=(n, 5))
    mean, sd = y.sum(axis=1) / 6.0, np.sqrt(1.0 / 6.0)
    draws = mean[:, None] + sd * (shift + scale * rng.normal(size=(n, n_draws)))
    return sbc_ranks(theta, draws)


def test_negative_control_without_sampler():
    """The exact posterior passes; one shifted by 2 sd or 10x overconfident fails."""
    ranks = {
        "exact": _conjugate_ranks(1, N_SIMULATIONS, N_DRAWS, shift=0.0, scale=1.0),
        "shifted": _conjugate_ranks(2, N_SIMULATIONS, N_DRAWS, shift=2.0, scale=1.0),
        "overconfident": _conjugate_ranks(3, N_SIMULATIONS, N_DRAWS, shift=0.0, scale=0.1),
    }
    result = SBCResult(ranks=ranks, n_draws=N_DRAWS)
    assert result.pvalues["exact"] > LEVEL
    assert result.pvalues["shifted"] <= LEVEL
    assert result.pvalues["overconfident"] <= LEVEL
    assert result.failed(FAMILY_ALPHA, n_tests=N_TESTS) == ["shifted", "overconfident"]


def test_negative_control_sampler_given_wrong_data(models):
    """The full pipeline fails when the sampler sees flipped labels 1 - y (a coding error)."""
    model = models["logistic_regression"]
    _, var_names = SBC_MODELS["logistic_regression"]
    x = model["x"].get_value()

    def flipped_labels(rng):
        alpha = rng.normal()
        beta = rng.normal(size=x.shape[1])
        y = rng.random(x.shape[0]) < 1.0 / (1.0 + np.exp(-(alpha + x @ beta)))
        return {"alpha": alpha, "beta": beta}, {"y": 1 - y.astype(int)}

    result = simulation_based_calibration(
        model,
        FAMILIES["SymplecticNUTS"],
        N_SIMULATIONS,
        n_draws=N_DRAWS,
        thin=SBC_THIN["SymplecticNUTS", "logistic_regression"],
        tune=TUNE,
        var_names=var_names,
        simulator=flipped_labels,
        seed=7,
    )
    failed = {k: p for k, p in result.pvalues.items() if p <= LEVEL}
    assert len(failed) >= 2, _describe(result)


def test_reused_step_gives_the_draws_of_a_rebuilt_one(models):
    """Restoring the step's initial sampling state equals building a new step."""
    model = models["logistic_regression"]
    runs = [
        simulation_based_calibration(
            model,
            FAMILIES["SymplecticNUTS"],
            2,
            n_draws=9,
            thin=2,
            tune=30,
            var_names=["alpha", "beta"],
            seed=5,
            rebuild_step=rebuild,
        )
        for rebuild in (False, True)
    ]
    for label in runs[0].ranks:
        np.testing.assert_array_equal(runs[0].ranks[label], runs[1].ranks[label])
        np.testing.assert_array_equal(runs[0].ess[label], runs[1].ess[label])
    np.testing.assert_array_equal(runs[0].seeds, runs[1].seeds)
    # The model's data are restored afterwards.
    np.testing.assert_array_equal(model["y_obs"].get_value(), 0)


# --- The uniformity tests ---------------------------------------------------------------


def _brute_force_pvalue(ranks, n_ranks):
    """P(T <= T_obs) by enumerating every rank vector (tiny n only)."""
    n = len(ranks)
    grid = np.array(np.meshgrid(*[np.arange(n_ranks)] * n, indexing="ij")).reshape(n, -1).T
    exact = _null(n, n_ranks, None)
    stats = np.array([exact.statistic(r) for r in grid])
    return float(np.mean(stats <= exact.statistic(np.asarray(ranks))))


@pytest.mark.parametrize(
    ("ranks", "n_ranks"),
    [([0, 0, 0, 0], 3), ([0, 1, 2, 1], 3), ([2, 2, 0, 1, 1], 4), ([0, 3, 3, 3, 0], 4)],
)
def test_ecdf_pvalue_matches_enumeration(ranks, n_ranks):
    expected = _brute_force_pvalue(ranks, n_ranks)
    assert ecdf_uniformity_pvalue(ranks, n_ranks) == pytest.approx(expected, rel=1e-10)


def test_ecdf_test_false_alarm_rate_is_alpha():
    rng = np.random.default_rng(11)
    n, n_ranks, alpha = 30, 20, 0.05
    pvalues = np.array(
        [ecdf_uniformity_pvalue(rng.integers(0, n_ranks, size=n), n_ranks) for _ in range(1000)]
    )
    # 1000 uniform samples: the rejection rate is alpha +- 4.9 binomial standard errors.
    assert abs(np.mean(pvalues <= alpha) - alpha) < 4.9 * np.sqrt(alpha * (1 - alpha) / 1000)


def test_band_is_the_test():
    """An ECDF leaves the 1 - alpha band exactly when the p-value is <= alpha."""
    rng = np.random.default_rng(12)
    n, n_ranks, alpha = 30, 20, 0.05
    z, lower, upper = ecdf_band(n, n_ranks, alpha)
    assert np.all(lower <= z) and np.all(z <= upper)
    thresholds = np.round(z * n_ranks).astype(int)
    for shape in (1.0, 0.5, 2.0):  # uniform, then piled up at 0 and at the top
        for _ in range(50):
            ranks = np.minimum((rng.random(n) ** shape * n_ranks).astype(int), n_ranks - 1)
            ecdf = np.array([np.mean(ranks < t) for t in thresholds])
            outside = bool(np.any((ecdf < lower - 1e-12) | (ecdf > upper + 1e-12)))
            assert outside == (ecdf_uniformity_pvalue(ranks, n_ranks) <= alpha)


def test_chi2_pvalue():
    assert chi2_uniformity_pvalue(np.repeat(np.arange(10), 5), 10) == pytest.approx(1.0)
    assert chi2_uniformity_pvalue(np.zeros(50, dtype=int), 10) < 1e-20


def test_sbc_ranks_counts_draws_below_the_prior_value():
    draws = np.array([[0.1, 0.5, 0.9], [0.1, 0.5, 0.9]])
    np.testing.assert_array_equal(sbc_ranks([0.0, 0.6], draws), [0, 2])


def test_plot_returns_a_figure_with_the_band():
    ranks = {"a": np.arange(30) % 20, "b": np.zeros(30, dtype=int)}
    result = SBCResult(ranks=ranks, n_draws=19)
    figure = plot_ecdf_difference(result, alpha=0.05)
    ax = figure.axes[0]
    assert len(ax.collections) == 1  # the band
    labels = [line.get_label() for line in ax.get_lines()]
    assert "a" in labels and "b" in labels and any("b fails" in lbl for lbl in labels)
    assert result.failed(0.05) == ["b"]
    summary = result.summary(0.05)
    assert list(summary.index) == ["a", "b"] and not summary.loc["b", "calibrated"]


# --- Bad input ----------------------------------------------------------------------------


def _nuts(m):
    return SymplecticNUTS(model=m)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_simulations": 0}, "n_simulations must be an integer >= 1, got 0"),
        ({"n_simulations": 2.5}, "n_simulations must be an integer >= 1"),
        ({"n_simulations": True}, "n_simulations must be an integer >= 1"),
        ({"n_draws": 0}, "n_draws must be an integer >= 1"),
        ({"thin": 0}, "thin must be an integer >= 1"),
        ({"tune": -1}, "tune must be an integer >= 0"),
        ({"seed": -3}, "seed must be a non-negative integer or a numpy.random.SeedSequence"),
        ({"var_names": ["nope"]}, r"var_names \['nope'\] are not free or deterministic"),
        ({"var_names": "mu"}, "var_names must be a non-empty list"),
        ({"sample_kwargs": {"draws": 5}}, r"sample_kwargs may not set \['draws'\]"),
        ({"sample_kwargs": {"chains": 2}}, r"sample_kwargs may not set \['chains'\]"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    arguments = {"n_simulations": 2} | kwargs
    model = hierarchical_normal_model(2)
    with pytest.raises(ValueError, match=match):
        simulation_based_calibration(model, _nuts, **arguments)


def test_bad_types_are_named():
    model = hierarchical_normal_model(2)
    with pytest.raises(TypeError, match="model must be a pymc.Model"):
        simulation_based_calibration("model", _nuts, 2)
    with pytest.raises(TypeError, match="step_factory must be a callable"):
        simulation_based_calibration(model, "nuts", 2)
    with pytest.raises(TypeError, match="rebuild_step must be True or False"):
        simulation_based_calibration(model, _nuts, 2, rebuild_step=1)


def test_observed_data_must_be_a_data_container():
    with pm.Model() as model:
        mu = pm.Normal("mu")
        pm.Normal("y", mu, 1.0, observed=np.zeros(3))
    with pytest.raises(ValueError, match="'y' must be given as observed=pm.Data"):
        simulation_based_calibration(model, _nuts, 2)
    with pm.Model() as prior_only:
        pm.Normal("mu")
    with pytest.raises(ValueError, match="model has no observed variables"):
        simulation_based_calibration(prior_only, _nuts, 2)
    with pm.Model() as discrete:
        k = pm.Poisson("k", 3.0)
        pm.Normal("y", k, 1.0, observed=pm.Data("y_obs", np.zeros(3)))
    with pytest.raises(ValueError, match=r"var_names \['k'\] are discrete"):
        simulation_based_calibration(discrete, _nuts, 2, var_names=["k"])


@pytest.mark.parametrize(
    ("ranks", "n_ranks", "match"),
    [
        ([0, 5], 5, r"ranks must lie in \[0, 4\]"),
        ([0.5, 1], 5, "ranks must hold integers"),
        ([], 5, "non-empty 1-d array"),
        ([0, 1], 1, "n_ranks must be an integer >= 2"),
    ],
)
def test_bad_ranks_are_named(ranks, n_ranks, match):
    with pytest.raises(ValueError, match=match):
        ecdf_uniformity_pvalue(ranks, n_ranks)


def test_bad_alpha_and_result_are_named():
    result = SBCResult(ranks={"a": [0, 1, 2]}, n_draws=2)
    with pytest.raises(ValueError, match="alpha must be a number in \\(0, 1\\), got 1.5"):
        result.failed(1.5)
    with pytest.raises(TypeError, match="result must be an SBCResult"):
        plot_ecdf_difference({"a": [0, 1]})
    with pytest.raises(ValueError, match="one rank per simulation"):
        SBCResult(ranks={"a": [0, 1], "b": [0]}, n_draws=2)
