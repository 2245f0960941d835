"""Sphinx configuration of the pymc-symplectic documentation.

Build with ``make docs`` (warnings are errors). Figures and the integrator table are
generated from the library at build time by ``docs/_ext/symplectic_docs.py``; the
notebooks of ``examples/`` are rendered without being executed
(``tests/test_notebooks.py`` executes them).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))

import pymc_symplectic  # noqa: E402

os.environ.setdefault("MPLBACKEND", "Agg")

project = "pymc-symplectic"
author = "pymc-symplectic developers"
copyright = "2026, pymc-symplectic developers"
version = release = pymc_symplectic.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinxcontrib.bibtex",
    "myst_nb",
    "sphinx_design",
    "symplectic_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]

# -- API reference (autodoc, autosummary, numpydoc) ---------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_member_order = "groupwise"
autodoc_typehints = "signature"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- MyST and MyST-NB ---------------------------------------------------------
myst_enable_extensions = ["amsmath", "dollarmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # tests/test_notebooks.py executes the notebooks
nb_merge_streams = True

# -- Bibliography --------------------------------------------------------------
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# -- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"pymc-symplectic {version}"
html_static_path = ["_static"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "benchmarks": []}
html_context = {"default_mode": "light"}
