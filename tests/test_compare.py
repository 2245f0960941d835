"""The comparison API: specs, dispersed starts, the table and its ratios, on a tiny model."""

import math

import numpy as np
import pymc as pm
import pytest

import pymc_symplectic
from pymc_symplectic import compare as compare_fn
from pymc_symplectic.compare import (
    BASELINE_LABEL,
    SAMPLER_FAMILIES,
    TABLE_COLUMNS,
    SamplerUnavailableError,
    dispersed_initvals,
    parse_sampler_spec,
    parse_sampler_specs,
)
from pymc_symplectic.examples import get
from pymc_symplectic.step_methods import SymplecticHMC

SETTINGS = {"draws": 100, "tune": 100, "chains": 2, "cores": 1, "progressbar": False}


def mclachlan_factory(model):
    return SymplecticHMC(integrator="mclachlan", model=model)


@pytest.fixture(scope="module")
def comparison():
    """One comparison with the three kinds of spec; records what pm.sample received."""
    calls = []
    original = pm.sample

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pm, "sample", spy)
        result = compare_fn(
            get("normal_normal").build(),
            {
                "hmc:leapfrog": "hmc:leapfrog",
                "bcss2": (SymplecticHMC, {"integrator": "bcss2"}),
                "mclachlan": mclachlan_factory,
            },
            random_seed=11,
            **SETTINGS,
        )
    return result, calls


def test_table_has_a_row_per_sampler_and_every_column(comparison):
    result, _ = comparison
    table = result.table
    assert list(table.index) == [BASELINE_LABEL, "hmc:leapfrog", "bcss2", "mclachlan"]
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(result.runs) == list(table.index)
    assert table.loc["bcss2", "spec"] == "SymplecticHMC(integrator='bcss2')"
    assert table.loc[BASELINE_LABEL, "spec"] == "pymc-nuts"
    numeric = table.drop(columns="spec")
    finite = numeric.drop(columns=["acceptance_mean"]).to_numpy(dtype=float)
    assert np.all(np.isfinite(finite)), table
    assert (table["compile_s"] > 0).all() and (table["sampling_s"] > 0).all()
    assert (table["grad_evals"] >= 2 * 100).all()  # at least one step per draw, two chains
    assert (table["ess_bulk_min"] > 10).all() and (table["ess_tail_min"] > 10).all()
    assert (table["divergences"] == 0).all()
    assert table["acceptance_mean"].between(0, 1).all()


def test_ratios_are_value_over_baseline_in_the_same_run(comparison):
    result, _ = comparison
    table = result.table
    for ratio in [c for c in TABLE_COLUMNS if c.endswith("_ratio")]:
        column = ratio.removesuffix("_ratio")
        expected = table[column] / table.loc[BASELINE_LABEL, column]
        np.testing.assert_allclose(table[ratio], expected, rtol=1e-12)
        assert table.loc[BASELINE_LABEL, ratio] == 1.0
    per_grad = 1000 * table["ess_bulk_min"] / table["grad_evals"]
    np.testing.assert_allclose(table["ess_bulk_per_1k_grad"], per_grad, rtol=1e-12)
    np.testing.assert_allclose(
        table["ess_tail_per_s"], table["ess_tail_min"] / table["sampling_s"], rtol=1e-12
    )


def test_every_sampler_starts_from_the_same_dispersed_points(comparison):
    result, calls = comparison
    # The untimed warm-up draw comes first and has no initvals.
    runs = [c for c in calls if c.get("initvals") is not None]
    assert len(runs) == len(result.table)
    for call in runs:
        assert call["nuts_sampler"] == "pymc"
        assert [p["mu"] for p in call["initvals"]] == [p["mu"] for p in result.initvals]
    starts = [float(p["mu"]) for p in result.initvals]
    assert len(starts) == 2 and starts[0] != starts[1]
    seeds = [call["random_seed"] for call in runs]
    assert len(set(seeds)) == len(seeds)  # distinct per sampler
    expected = dispersed_initvals(
        get("normal_normal").build(), 2, random_seed=result.settings["random_seed"]
    )
    assert [p["mu"] for p in expected] == starts


def test_runs_are_datatrees_with_unconstrained_draws():
    result = compare_fn(get("beta_binomial").build(), None, random_seed=1, **SETTINGS)
    assert list(result.table.index) == [BASELINE_LABEL]
    posterior = result.runs[BASELINE_LABEL]["posterior"]
    assert "p" in posterior and "p_logodds__" in posterior
    p = np.asarray(posterior["p"])
    np.testing.assert_allclose(np.asarray(posterior["p_logodds__"]), np.log(p / (1 - p)))


def test_same_seed_same_draws():
    model = get("normal_normal").build()
    first = compare_fn(
        model, None, random_seed=5, draws=20, tune=20, chains=2, cores=1, progressbar=False
    )
    second = compare_fn(
        model, None, random_seed=5, draws=20, tune=20, chains=2, cores=1, progressbar=False
    )
    np.testing.assert_array_equal(
        first.runs[BASELINE_LABEL]["posterior"]["mu"],
        second.runs[BASELINE_LABEL]["posterior"]["mu"],
    )
    assert first.settings["random_seed"] == 5


def test_formatting(comparison):
    result, _ = comparison
    text = result.format()
    assert text.splitlines()[0].split()[0] == "sampler"
    assert len(text.splitlines()) == 2 + len(result.table)
    markdown = result.to_markdown()
    lines = markdown.strip().splitlines()
    assert lines[0].startswith("| sampler | spec | compile_s")
    assert len(lines) == 2 + len(result.table)
    assert all(line.count("|") == len(TABLE_COLUMNS) + 2 for line in lines)


# ---------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "family", "integrator"),
    [
        ("nuts", "nuts", None),
        ("hmc:leapfrog", "hmc", "leapfrog"),
        ("hmc:bcss3", "hmc", "bcss3"),
        ("nuts:pefrl", "nuts", "pefrl"),
        ("relativistic-hmc", "relativistic-hmc", None),
        ("relativistic-nuts", "relativistic-nuts", None),
        ("relativistic-hmc:forest_ruth", "relativistic-hmc", "forest_ruth"),
        (" HMC : velocity_verlet ", "hmc", "leapfrog"),  # an alias resolves to its name
        ("relativistic_hmc", "relativistic-hmc", None),
    ],
)
def test_string_specs_parse(spec, family, integrator):
    parsed = parse_sampler_spec(spec)
    assert (parsed.family, parsed.integrator) == (family, integrator)
    assert parsed.label == parsed.describe()


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("frobnicate", "unknown sampler 'frobnicate'; valid samplers: hmc, nuts"),
        ("hmc:nope", "unknown integrator 'nope'"),
        ("hmc:euler", "not symplectic and symmetric"),
        ("nuts:rk4", "not symplectic and symmetric"),
        ("pymc-nuts:bcss2", "takes no integrator"),
        ((SymplecticHMC,), "(StepClass, kwargs dict)"),
        ((SymplecticHMC, ["integrator"]), "(StepClass, kwargs dict)"),
        (42, "a sampler spec must be"),
    ],
)
def test_invalid_specs_name_the_problem(spec, fragment):
    with pytest.raises(ValueError) as info:
        parse_sampler_spec(spec)
    assert fragment in str(info.value)


def test_integrator_errors_list_the_valid_choices():
    with pytest.raises(ValueError) as info:
        parse_sampler_spec("hmc:euler")
    assert "leapfrog" in str(info.value) and "bcss3" in str(info.value)
    assert "euler," not in str(info.value)


def test_spec_collections():
    specs = parse_sampler_specs(["hmc:bcss2", SymplecticHMC])
    assert list(specs) == ["hmc:bcss2", "SymplecticHMC"]
    with pytest.raises(ValueError, match="given twice"):
        parse_sampler_specs(["hmc", "hmc"])
    with pytest.raises(ValueError, match="reserved"):
        parse_sampler_specs({BASELINE_LABEL: "hmc"})


def test_bad_settings_fail_before_sampling():
    model = get("normal_normal").build()
    for kwargs in ({"draws": 0}, {"draws": -1}, {"tune": -1}, {"chains": 0}, {"cores": 0}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            compare_fn(model, None, **kwargs)
    with pytest.raises(ValueError, match="random_seed"):
        compare_fn(model, None, random_seed=-3)
    with pytest.raises(ValueError, match="pymc.Model"):
        compare_fn(object(), None)
    with pytest.raises(ValueError, match="Unknown example model"):
        compare_fn("no_such_model", None)


def test_unavailable_class_fails_before_sampling(monkeypatch):
    monkeypatch.setitem(SAMPLER_FAMILIES, "nuts", "NoSuchStepMethod")
    model = get("normal_normal").build()
    sampled = []
    monkeypatch.setattr(pm, "sample", lambda *a, **k: sampled.append(1))
    with pytest.raises(SamplerUnavailableError, match="NoSuchStepMethod") as info:
        compare_fn(model, ["hmc:bcss2", "nuts:bcss2"])
    assert "available now: hmc" in str(info.value)
    assert not sampled


# The step methods being added concurrently: each test runs once its class lands.
LATER = {
    "nuts:bcss2": "SymplecticNUTS",
    "relativistic-hmc": "RelativisticHMC",
    "relativistic-nuts:bcss2": "RelativisticNUTS",
}


@pytest.mark.parametrize("spec", list(LATER))
def test_new_step_methods_compare(spec):
    if not hasattr(pymc_symplectic, LATER[spec]):
        pytest.skip(f"pymc_symplectic.{LATER[spec]} is not available yet")
    result = compare_fn(
        get("normal_normal").build(),
        [spec],
        random_seed=3,
        draws=100,
        tune=100,
        chains=2,
        cores=1,
        progressbar=False,
    )
    row = result.table.loc[spec]
    assert row["grad_evals"] > 0 and math.isfinite(row["ess_bulk_per_1k_grad"])
    assert row["rhat_max"] < 1.1
