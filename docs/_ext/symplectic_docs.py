"""Sphinx extension of the pymc-symplectic docs: generated figures, notebooks and tables.

- On ``builder-inited`` it draws the figures of :mod:`make_figures` into
  ``docs/_generated/figures`` and copies the notebooks of the top-level ``examples/``
  folder into ``docs/notebooks`` (rendered, never executed, by MyST-NB).
- The ``integrator-table`` directive renders the integrator registry as a table, and
  ``integrator-coefficients`` lists every method's coefficients, both read from
  :mod:`pymc_symplectic.integrators` at build time so the docs can not drift from the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from pymc_symplectic import integrators
from pymc_symplectic.integrators import (
    AdamsBashforth,
    ExplicitRungeKutta,
    ImplicitRungeKutta,
    SplittingIntegrator,
)

__all__ = ["IntegratorCoefficients", "IntegratorTable", "integrator_rows", "setup"]

DOCS = Path(__file__).resolve().parent.parent
EXAMPLES = DOCS.parent / "examples"

#: Columns of the integrator table.
TABLE_HEADER = (
    "name",
    "kind",
    "order",
    "grads/step",
    "symplectic",
    "symmetric",
    "HMC-valid",
    "stability limit h*",
    "reference",
)


def _kind(method) -> str:
    if isinstance(method, SplittingIntegrator):
        kicks, drifts = len(method.kick_coefficients), len(method.drift_coefficients)
        return f"splitting: {kicks} kicks, {drifts} drifts, {method.first} first"
    if isinstance(method, ExplicitRungeKutta):
        return f"explicit Runge–Kutta, {len(method.b)} stages"
    if isinstance(method, ImplicitRungeKutta):
        return f"implicit Runge–Kutta, {len(method.b)} stage(s), fixed point"
    if isinstance(method, AdamsBashforth):
        return f"{len(method.beta)}-step Adams–Bashforth, started with {method.starter.name}"
    return type(method).__name__


def _grads(method) -> str:
    if isinstance(method, ImplicitRungeKutta):
        return f"{method.grad_evals_per_step} per iteration"
    return str(method.grad_evals_per_step)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def integrator_rows() -> list[list[str]]:
    """Return one row of :data:`TABLE_HEADER` cells per registered integrator."""
    aliases: dict[str, list[str]] = {}
    for alias, name in integrators.aliases().items():
        aliases.setdefault(name, []).append(alias)
    rows = []
    for name in integrators.available():
        method = integrators.get(name)
        label = name + "".join(f" ({a})" for a in sorted(aliases.get(name, [])))
        limit = f"{method.stability_limit:.3f}" if isinstance(method, SplittingIntegrator) else "—"
        rows.append(
            [
                label,
                _kind(method),
                str(method.order),
                _grads(method),
                _yes(method.symplectic),
                _yes(method.symmetric),
                _yes(method.hmc_valid),
                limit,
                method.reference,
            ]
        )
    return rows


def _coefficients(method) -> list[tuple[str, str]]:
    """Return ``(label, numbers)`` pairs describing a method's table."""

    def fmt(values) -> str:
        return ", ".join(f"{float(v):.16g}" for v in values)

    if isinstance(method, SplittingIntegrator):
        return [
            (f"coefficients (first: {method.first})", fmt(method.coefficients)),
            ("kicks", fmt(method.kick_coefficients)),
            ("drifts", fmt(method.drift_coefficients)),
        ]
    if isinstance(method, ExplicitRungeKutta | ImplicitRungeKutta):
        rows = [(f"a[{i}]", fmt(row)) for i, row in enumerate(method.a)]
        return [*rows, ("b", fmt(method.b))]
    if isinstance(method, AdamsBashforth):
        return [("beta (newest first)", fmt(method.beta))]
    return []


def _paragraph(text: str, literal: bool = False) -> nodes.paragraph:
    para = nodes.paragraph()
    para += nodes.literal(text, text) if literal else nodes.Text(text)
    return para


def _table(header, rows, widths, literal_columns=(0,)) -> nodes.table:
    table = nodes.table(classes=["integrator-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for cell in header:
        entry = nodes.entry()
        entry += _paragraph(cell)
        row += entry
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for i, cell in enumerate(cells):
            entry = nodes.entry()
            entry += _paragraph(cell, literal=i in literal_columns)
            row += entry
        body += row
    return table


def _note_registry_dependency(directive: SphinxDirective) -> None:
    """Re-read the page whenever a module of the integrator package changes."""
    package = Path(integrators.__file__).resolve().parent
    for source in sorted(package.glob("*.py")):
        directive.env.note_dependency(str(source))


class IntegratorTable(SphinxDirective):
    """Render the integrator registry as a table (``:filter: hmc`` keeps HMC-valid ones)."""

    has_content = False
    option_spec = {"filter": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Build the table nodes from the registry."""
        _note_registry_dependency(self)
        rows = integrator_rows()
        if self.options.get("filter") == "hmc":
            rows = [r for r in rows if r[6] == "yes"]
        widths = (14, 16, 5, 8, 8, 8, 8, 8, 40)
        return [_table(TABLE_HEADER, rows, widths)]


class IntegratorCoefficients(SphinxDirective):
    """List every registered integrator's coefficients at full precision."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build one definition-list item per integrator."""
        _note_registry_dependency(self)
        items = nodes.definition_list()
        for name in integrators.available():
            method = integrators.get(name)
            item = nodes.definition_list_item()
            term = nodes.term()
            term += nodes.literal(name, name)
            term += nodes.Text(f" — order {method.order}")
            item += term
            definition = nodes.definition()
            fields = nodes.bullet_list()
            for label, numbers in _coefficients(method):
                bullet = nodes.list_item()
                para = nodes.paragraph()
                para += nodes.Text(f"{label}: ")
                para += nodes.literal(numbers, numbers)
                bullet += para
                fields += bullet
            definition += fields
            item += definition
            items += item
        return [items]


def _copy_notebooks(app: Sphinx) -> None:
    """Copy ``examples/*.ipynb`` into ``docs/notebooks`` when changed (MyST-NB renders them)."""
    target = Path(app.srcdir) / "notebooks"
    target.mkdir(exist_ok=True)
    for notebook in sorted(EXAMPLES.glob("*.ipynb")):
        copy = target / notebook.name
        if not copy.exists() or copy.read_bytes() != notebook.read_bytes():
            shutil.copyfile(notebook, copy)


def _make_figures(app: Sphinx) -> None:
    """Draw the library's figures into ``docs/_generated/figures`` (skipped when current)."""
    from make_figures import make_figures

    make_figures(Path(app.srcdir) / "_generated" / "figures")


def setup(app: Sphinx) -> dict:
    """Register the directives and the build-time generation hooks."""
    app.add_directive("integrator-table", IntegratorTable)
    app.add_directive("integrator-coefficients", IntegratorCoefficients)
    app.connect("builder-inited", _make_figures)
    app.connect("builder-inited", _copy_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
