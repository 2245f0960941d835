"""The example notebooks run from top to bottom in a real kernel without a cell error.

Each notebook in the top-level ``examples/`` folder is executed with nbclient in a fresh
IPython kernel running this interpreter (a kernelspec written to a temporary
``JUPYTER_PATH``, so neither a user-wide ``python3`` kernel nor the machine's Jupyter setup
can swap in another Python). The notebooks' own parameters are small, so each runs in well
under the budget below on a loaded two-core machine (``high_dimension`` is the slowest, at about
a minute and a half: it compiles and runs 27 samplers).
"""

import json
import math
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbclient")
pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (after the skips)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
KERNEL_NAME = "pymc-symplectic-tests"
#: Wall-clock budget of one notebook, kernel start-up included (seconds).
NOTEBOOK_TIMEOUT = 240
#: Kernel start-up limit (seconds).
STARTUP_TIMEOUT = 60


def test_examples_folder_has_the_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {
        "quickstart.ipynb",
        "integrators.ipynb",
        "heavy_tails_and_funnels.ipynb",
        "high_dimension.ipynb",
        "energy_based_models.ipynb",
    }


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory):
    """A ``JUPYTER_PATH`` whose only kernelspec runs this interpreter."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pymc-symplectic tests",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel_path, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0] if notebook.cells else None
    params = next((c for c in notebook.cells if c.cell_type == "code"), None)
    assert first is not None and first.cell_type == "markdown", "a notebook starts with its title"
    assert params is not None and "parameters" in params.metadata.get("tags", []), (
        "the first code cell holds the parameters and is tagged 'parameters'"
    )

    # The kernel the client will start is this interpreter, not another Python.
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable

    deadline = time.monotonic() + NOTEBOOK_TIMEOUT

    def remaining(cell) -> int:
        # The whole notebook shares one budget: each cell may use what is left of it.
        return max(1, math.ceil(deadline - time.monotonic()))

    client = nbclient.NotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout_func=remaining,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=False,
        record_timing=True,
        # Run in a scratch directory: a notebook that writes files leaves nothing behind.
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    # nbclient raises on a cell error; check the stored outputs too (no error, no traceback).
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"cell {index} of {path.name} failed"
            text = output.get("text", "") if output.get("name") == "stderr" else ""
            assert "Traceback" not in text, f"cell {index} of {path.name}: {text}"
