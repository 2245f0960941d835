"""The command-line tool: the classical demo, the integrator table, help and errors."""

import contextlib
import io
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from pymc_symplectic import integrators
from pymc_symplectic.cli import main
from pymc_symplectic.plots import CLASSICAL_INTEGRATORS

FIGURES = ("phase_portrait.png", "energy_error.png", "convergence.png")


def table_rows(text: str, names) -> dict[str, list[str]]:
    """Map each name to the whitespace-split cells of the table row starting with it."""
    rows = {}
    for line in text.splitlines():
        cells = line.split()
        if cells and cells[0] in names:
            rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "nested" / "figures"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["classical", "--out", out])
    return status, out, stdout.getvalue(), stderr.getvalue()


def test_demo_succeeds_quietly(demo_run):
    status, _, _, stderr = demo_run
    assert status == 0
    assert stderr == ""


@pytest.mark.parametrize("filename", FIGURES)
def test_demo_writes_non_blank_figures(demo_run, filename):
    _, out, stdout, _ = demo_run
    path = out / filename
    assert path.is_file()
    assert path.stat().st_size > 10_000
    assert str(path) in stdout
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500
    rgb = image[..., :3]
    # Not blank: a good share of non-white pixels and several distinct colours.
    assert np.mean(np.any(rgb < 0.95, axis=-1)) > 0.02
    packed = (rgb * 15).round().astype(int) @ np.array([256, 16, 1])
    assert len(np.unique(packed)) > 20


def test_demo_table_has_a_row_per_classical_integrator(demo_run):
    _, _, stdout, _ = demo_run
    rows = table_rows(stdout, CLASSICAL_INTEGRATORS)
    assert set(rows) == set(CLASSICAL_INTEGRATORS)
    for name, cells in rows.items():
        method = integrators.get(name)
        assert int(cells[1]) == method.order
        assert cells[2].rstrip("*") == str(method.grad_evals_per_step)
        assert cells[3] == ("yes" if method.symplectic else "no")
        assert cells[4] == ("yes" if method.symmetric else "no")
        drift = [float(c) for c in cells[5:]]
        assert drift and all(np.isfinite(d) and d >= 0 for d in drift)
    # The point of the demo: Euler drifts far more than leapfrog.
    assert float(rows["euler"][5]) > 1e3 * float(rows["leapfrog"][5])


def test_integrators_measure_matches_declared_orders(capsys):
    assert main(["integrators", "--measure"]) == 0
    stdout = capsys.readouterr().out
    names = integrators.available()
    rows = table_rows(stdout, names)
    assert set(rows) == set(names)
    header = stdout.splitlines()[0].split()
    assert header[:3] == ["name", "order", "measured"]
    for name, cells in rows.items():
        declared, measured = int(cells[1]), float(cells[2])
        assert declared == integrators.get(name).order
        assert abs(measured - declared) < 0.3, (name, declared, measured)


def test_integrators_lists_properties(capsys):
    assert main(["integrators"]) == 0
    stdout = capsys.readouterr().out
    rows = table_rows(stdout, integrators.available())
    assert set(rows) == set(integrators.available())
    # name, order, grads/step, symplectic, symmetric, hmc_valid, explicit, reference...
    assert rows["leapfrog"][3:7] == ["yes", "yes", "yes", "yes"]
    assert rows["euler"][3:7] == ["no", "no", "no", "yes"]
    assert rows["implicit_midpoint"][2] == "1*"
    assert "velocity_verlet -> leapfrog" in stdout


def test_module_help_exits_zero():
    result = subprocess.run(
        [sys.executable, "-m", "pymc_symplectic", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "integrators" in result.stdout


@pytest.mark.parametrize("argv", [["--help"], ["classical", "--help"], ["integrators", "--help"]])
def test_help_returns_zero(argv, capsys):
    assert main(argv) == 0
    assert "usage:" in capsys.readouterr().out


def one_line_error(argv, capsys) -> str:
    status = main(argv)
    captured = capsys.readouterr()
    assert status != 0
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("pymc-symplectic: error: ")
    assert "Traceback" not in captured.err
    return lines[0]


def test_out_under_a_regular_file_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    message = one_line_error(["classical", "--out", blocker / "figures"], capsys)
    assert str(blocker / "figures") in message


def test_out_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    message = one_line_error(["classical", "--out", blocker], capsys)
    assert "is a file" in message


@pytest.mark.parametrize(
    "argv", [["frobnicate"], [], ["integrators", "--bogus"], ["classical", "--out"]]
)
def test_usage_mistakes_are_one_line_errors(argv, capsys):
    one_line_error(argv, capsys)
