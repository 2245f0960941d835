"""The documentation builds with Sphinx, warnings as errors, from a copy of the sources.

``make docs`` is the same build in place. The copy keeps the test from writing generated
files (API stubs, figures, the notebook copies) into the working tree; the notebooks are
rendered without being executed (``tests/test_notebooks.py`` executes them).
"""

import importlib
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pymc_symplectic import integrators

ROOT = Path(__file__).resolve().parent.parent
DOCS_EXTENSIONS = (
    "sphinx",
    "pydata_sphinx_theme",
    "myst_nb",
    "numpydoc",
    "sphinxcontrib.bibtex",
    "sphinx_design",
)
#: Wall-clock limit of the build (seconds); it takes about 40 s on a loaded two-core machine.
BUILD_TIMEOUT = 300

for _module in DOCS_EXTENSIONS:
    pytest.importorskip(
        _module,
        reason=f"the docs build needs {_module}: install the docs extra, "
        "pip install -e '.[docs]' (make docs does)",
    )


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    """Build the docs from a copy of docs/ and examples/; return the HTML folder."""
    root = tmp_path_factory.mktemp("docs")
    # Generated API stubs and notebook copies are rebuilt; figures are kept when current.
    ignore = shutil.ignore_patterns("_build", "generated", "*.ipynb", ".ipynb_checkpoints")
    shutil.copytree(ROOT / "docs", root / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", root / "examples")
    out = root / "html"
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(root / "doctrees"),
        str(root / "docs"),
        str(out),
    ]
    build = subprocess.run(
        command, capture_output=True, text=True, timeout=BUILD_TIMEOUT, cwd=root, check=False
    )
    assert build.returncode == 0, f"sphinx-build failed:\n{build.stdout}\n{build.stderr}"
    return out


def test_pages_exist(html):
    for page in (
        "index.html",
        "theory/hamiltonian.html",
        "theory/integrators.html",
        "theory/hmc.html",
        "integrators.html",
        "user_guide/step_methods.html",
        "user_guide/compare_cli.html",
        "benchmarks.html",
        "references.html",
        "api/index.html",
        "notebooks/quickstart.html",
        "notebooks/integrators.html",
        "notebooks/heavy_tails_and_funnels.html",
        "notebooks/high_dimension.html",
        "notebooks/energy_based_models.html",
    ):
        assert (html / page).is_file(), page


def test_integrator_table_is_generated_from_the_registry(html):
    page = (html / "integrators.html").read_text(encoding="utf-8")
    for name in integrators.available():
        assert f">{name}" in page, name
    for name in ("leapfrog", "bcss2", "forest_ruth"):
        assert f"{integrators.get(name).stability_limit:.3f}" in page, name


def test_api_reference_documents_the_public_api(html):
    generated = html / "api" / "generated"
    for name in (
        "pymc_symplectic.integrators.SplittingIntegrator",
        "pymc_symplectic.kinetic.RelativisticKinetic",
        "pymc_symplectic.dynamics.simulate",
        "pymc_symplectic.step_methods.RelativisticHMC",
        "pymc_symplectic.step_methods.SymplecticNUTS",
        "pymc_symplectic.compare.compare",
        "pymc_symplectic.diagnostics.energy_error_curve",
        "pymc_symplectic.testing.HarmonicOscillator",
        "pymc_symplectic.examples.get",
    ):
        assert (generated / f"{name}.html").is_file(), name


#: The documented public modules; every name of their ``__all__`` must be documented.
API_MODULES = (
    "integrators",
    "kinetic",
    "dynamics",
    "step_methods",
    "compare",
    "diagnostics",
    "plots",
    "testing",
    "examples",
    "errors",
)


@pytest.mark.parametrize("module", API_MODULES)
def test_api_reference_covers_all_exports(html, module):
    """A class or function added to a module's ``__all__`` needs an entry in docs/api/."""
    name = f"pymc_symplectic.{module}"
    exports = importlib.import_module(name).__all__
    page = (html / "api" / f"{module}.html").read_text(encoding="utf-8")
    missing = []
    for export in exports:
        obj = getattr(importlib.import_module(name), export)
        if inspect.isclass(obj) or inspect.isroutine(obj):
            documented = (html / "api" / "generated" / f"{name}.{export}.html").is_file()
        else:  # a constant, documented with autodata on the module's page
            documented = f'id="{name}.{export}"' in page
        if not documented:
            missing.append(export)
    assert not missing, f"add {missing} to docs/api/{module}.rst"


def test_figures_are_drawn_by_the_library(html):
    images = {p.name for p in (html / "_images").iterdir()}
    for figure in ("phase_portrait.png", "energy_error.png", "convergence.png"):
        assert figure in images, figure


def test_bibliography_lists_the_papers(html):
    page = (html / "references.html").read_text(encoding="utf-8")
    for author in ("Neal", "Hoffman", "Betancourt", "Blanes", "Yoshida", "Omelyan", "Talts"):
        assert author in page, author
