"""The command-line comparison: `compare`, `demo` and `classical` end to end, help and errors."""

import contextlib
import csv
import io
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

import pymc_symplectic
from pymc_symplectic.cli import DEMO_SAMPLERS, main
from pymc_symplectic.compare import BASELINE_LABEL, SAMPLER_FAMILIES, TABLE_COLUMNS

SMALL = ["--draws", "100", "--tune", "100", "--chains", "2", "--cores", "1", "--no-progress"]
COMPARE_FILES = (
    "comparison.csv",
    "comparison.md",
    "efficiency.png",
    "energy.png",
    "energy_error_vs_step_size.png",
)
CLASSICAL_FILES = ("phase_portrait.png", "energy_error.png", "convergence.png")


def run(argv):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(argv)
    return status, stdout.getvalue(), stderr.getvalue()


def assert_image(path):
    assert path.is_file() and path.stat().st_size > 10_000, path
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500
    assert np.mean(np.any(image[..., :3] < 0.95, axis=-1)) > 0.02  # not blank


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "nested"
    argv = ["compare", "--model", "normal_normal", "--samplers", "hmc:leapfrog,hmc:bcss2"]
    status, stdout, stderr = run([*argv, *SMALL, "--seed", "7", "--out", str(out)])
    return status, out, stdout, stderr


def test_compare_succeeds_and_prints_the_table(compare_run):
    status, _, stdout, stderr = compare_run
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert "seed 7" in stdout
    labels = [line.split()[0] for line in stdout.splitlines() if line.split()]
    for label in ("hmc:leapfrog", "hmc:bcss2"):
        assert label in labels
    assert any(line.startswith(BASELINE_LABEL) for line in stdout.splitlines())


@pytest.mark.parametrize("filename", COMPARE_FILES)
def test_compare_writes_its_files(compare_run, filename):
    _, out, stdout, _ = compare_run
    path = out / filename
    assert str(path) in stdout
    if filename.endswith(".png"):
        assert_image(path)
    else:
        assert path.stat().st_size > 100


def test_csv_has_every_column_and_ratios_to_the_baseline(compare_run):
    _, out, _, _ = compare_run
    rows = read_csv(out / "comparison.csv")
    assert [r["sampler"] for r in rows] == [BASELINE_LABEL, "hmc:leapfrog", "hmc:bcss2"]
    assert list(rows[0]) == ["sampler", *TABLE_COLUMNS]
    baseline = rows[0]
    for row in rows:
        for ratio in [c for c in TABLE_COLUMNS if c.endswith("_ratio")]:
            column = ratio.removesuffix("_ratio")
            expected = float(row[column]) / float(baseline[column])
            assert float(row[ratio]) == pytest.approx(expected, rel=1e-9)
    markdown = (out / "comparison.md").read_text().splitlines()
    assert markdown[0].startswith("| sampler |") and len(markdown) == 2 + len(rows)


def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    status, stdout, stderr = run(["demo", "--model", "normal_normal", *SMALL, "--out", str(out)])
    assert status == 0, stderr
    for spec in DEMO_SAMPLERS:
        assert hasattr(pymc_symplectic, _class_of(spec))
        assert spec in stdout
    assert "ArviZ summary of the" in stdout and "ess_bulk" in stdout
    assert BASELINE_LABEL in stdout
    for filename in COMPARE_FILES + CLASSICAL_FILES:
        assert (out / filename).is_file(), filename
        assert str(out / filename) in stdout


def _class_of(spec):
    return SAMPLER_FAMILIES[spec.split(":")[0]]


def test_classical_writes_its_three_figures(tmp_path):
    status, stdout, stderr = run(["classical", "--out", str(tmp_path)])
    assert status == 0, stderr
    assert "Classical integrators" in stdout
    for filename in CLASSICAL_FILES:
        assert_image(tmp_path / filename)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["demo", "--help"],
        ["compare", "--help"],
        ["classical", "--help"],
        ["integrators", "--help"],
    ],
)
def test_help_for_every_command(argv, capsys):
    assert main(argv) == 0
    assert "usage:" in capsys.readouterr().out


def test_module_entry_point_help():
    result = subprocess.run(
        [sys.executable, "-m", "pymc_symplectic", "compare", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "--samplers" in result.stdout


def one_line_error(argv, capsys) -> str:
    status = main(argv)
    captured = capsys.readouterr()
    assert status != 0
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("pymc-symplectic: error: ")
    return lines[0]


BASE = ["compare", "--model", "normal_normal", "--samplers", "hmc"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["compare", "--model", "nope", "--samplers", "hmc"], "Unknown example model 'nope'"),
        (["compare", "--model", "normal_normal", "--samplers", "frob"], "unknown sampler 'frob'"),
        (["compare", "--model", "normal_normal", "--samplers", "hmc:nope"], "unknown integrator"),
        (["compare", "--model", "normal_normal", "--samplers", "hmc:euler"], "not symplectic"),
        (["compare", "--model", "normal_normal", "--samplers", "hmc,,nuts"], "comma-separated"),
        (["compare", "--model", "normal_normal"], "--samplers"),
        (["compare", "--samplers", "hmc"], "--model"),
        ([*BASE, "--draws", "0"], "--draws: must be >= 4, got 0"),
        ([*BASE, "--draws", "-1"], "--draws: must be >= 4, got -1"),
        ([*BASE, "--draws", "abc"], "--draws: expected an integer, got 'abc'"),
        ([*BASE, "--tune", "-5"], "--tune: must be >= 0"),
        ([*BASE, "--chains", "0"], "--chains: must be >= 1"),
        ([*BASE, "--cores", "1.5"], "--cores: expected an integer"),
        ([*BASE, "--seed", "-1"], "--seed: must be >= 0"),
        (["demo", "--model", "nope"], "Unknown example model"),
        (["demo", "--draws", "0"], "--draws: must be >= 4"),
        (["frobnicate"], "invalid choice"),
        ([], "a command is required"),
    ],
)
def test_mistakes_are_one_line_errors(argv, fragment, capsys):
    assert fragment in one_line_error(argv, capsys)


def test_unavailable_sampler_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(SAMPLER_FAMILIES, "nuts", "NoSuchStepMethod")
    message = one_line_error([*BASE[:-1], "nuts:bcss2"], capsys)
    assert "NoSuchStepMethod" in message and "available now" in message


def test_output_directory_that_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "is a file" in one_line_error([*BASE, "--out", str(blocker)], capsys)
