"""The ``pymc-symplectic`` command-line tool."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pymc_symplectic import __version__
from pymc_symplectic import integrators as _integrators

__all__ = ["UsageError", "build_parser", "main"]

PROG = "pymc-symplectic"
_REFERENCE_WIDTH = 60


class UsageError(Exception):
    """A mistake on the command line or in its arguments; reported in one line."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


class _Exit(Exception):
    """argparse finished on its own (``--help``, ``--version``) with ``status``."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of calling ``sys.exit``."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _shorten(text: str, width: int = _REFERENCE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip(" ,;") + "..."


def _format_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """Align columns; columns in ``right`` are right-aligned (numbers)."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells):
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            out.append(str(cell).rjust(width) if i in right else str(cell).ljust(width))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _grad_cell(method) -> str:
    # An implicit method's cost is per fixed-point iteration.
    return f"{method.grad_evals_per_step}{'' if method.explicit else '*'}"


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def _cmd_integrators(args: argparse.Namespace) -> int:
    from pymc_symplectic import plots

    header = ["name", "order"]
    if args.measure:
        header.append("measured")
    header += ["grads/step", "symplectic", "symmetric", "hmc_valid", "explicit", "reference"]
    rows = []
    for name in _integrators.available():
        method = _integrators.get(name)
        row = [name, str(method.order)]
        if args.measure:
            slope = plots.empirical_order(*plots.convergence_errors(method))
            row.append("n/a" if math.isnan(slope) else f"{slope:.2f}")
        row += [
            _grad_cell(method),
            _yes_no(method.symplectic),
            _yes_no(method.symmetric),
            _yes_no(method.hmc_valid),
            _yes_no(method.explicit),
            _shorten(method.reference),
        ]
        rows.append(row)
    right = {1, 2, 3} if args.measure else {1, 2}
    print(_format_table(header, rows, right))
    print()
    print("* evaluations per fixed-point iteration (implicit methods).")
    if args.measure:
        print(
            "measured: slope of log global error vs log step size on the harmonic oscillator "
            "at t = 1."
        )
    aliases = _integrators.aliases()
    if aliases:
        listed = ", ".join(f"{alias} -> {name}" for alias, name in sorted(aliases.items()))
        print(f"aliases: {listed}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot use '{out}' as output directory: it is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot create output directory '{out}': {reason}") from None

    from pymc_symplectic import plots

    step_size, n_steps = 0.1, 3000
    problems = ("oscillator", "pendulum")
    runs = plots.energy_error_runs(plots.CLASSICAL_INTEGRATORS, step_size, n_steps, problems)
    figures = {
        "phase_portrait.png": plots.plot_phase_portrait(),
        "energy_error.png": plots.plot_energy_error(runs=runs),
        "convergence.png": plots.plot_convergence(plots.CLASSICAL_INTEGRATORS),
    }

    header = ["integrator", "order", "grads/step", "symplectic", "symmetric"]
    header += [f"max|dH| {problem}" for problem in problems]
    rows = []
    for name in plots.CLASSICAL_INTEGRATORS:
        method = _integrators.get(name)
        row = [
            name,
            str(method.order),
            _grad_cell(method),
            _yes_no(method.symplectic),
            _yes_no(method.symmetric),
        ]
        for problem in problems:
            row.append(f"{float(abs(runs[problem][name].energy_error).max()):.2e}")
        rows.append(row)
    print(
        f"Classical integrators, {n_steps} steps of h = {step_size:g} "
        f"(t = {n_steps * step_size:g}); oscillator from (q, p) = (1, 0), "
        "pendulum released at rest from q = 2."
    )
    print(_format_table(header, rows, right={1, 2, 5, 6}))
    print("* evaluations per fixed-point iteration (implicit methods).")
    print()

    written = []
    for filename, figure in figures.items():
        path = out / filename
        try:
            plots.save_figure(figure, path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UsageError(f"cannot write '{path}': {reason}") from None
        written.append(path)
    print("Wrote:")
    for path in written:
        print(f"  {path}")
    return 0


# ---------------------------------------------------------------------------
# Parser and entry point
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``pymc-symplectic`` tool."""
    parser = _Parser(
        prog=PROG,
        description="Symplectic integrators and Hamiltonian step methods for PyMC.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    demo = commands.add_parser(
        "demo",
        help="compare the classical integrators and write three figures",
        description=(
            "Integrate the harmonic oscillator and the pendulum with the classical "
            "integrators (Euler, Runge-Kutta, Adams-Bashforth, implicit and symplectic "
            "methods); print their properties and long-run energy error, and write "
            "phase_portrait.png, energy_error.png and convergence.png."
        ),
    )
    demo.add_argument(
        "--out",
        default="outputs/demo",
        metavar="DIR",
        help="directory for the figures, created if missing (default: %(default)s)",
    )
    demo.set_defaults(handler=_cmd_demo)

    table = commands.add_parser(
        "integrators",
        help="list the registered integrators and their properties",
        description="Print every registered integrator with its declared properties.",
    )
    table.add_argument(
        "--measure",
        action="store_true",
        help="also measure each integrator's order on the harmonic oscillator",
    )
    table.set_defaults(handler=_cmd_integrators)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name, e.g. ``["demo", "--out", "outputs/demo"]``.

    Returns
    -------
    int
        0 on success (``--help`` included), 2 for a usage error (reported in one
        line on stderr, never a traceback), 130 when interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else [str(a) for a in argv])
        if args.command is None:
            raise UsageError(f"a command is required: demo or integrators (see '{PROG} --help')")
        return args.handler(args)
    except _Exit as exc:
        return exc.status
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
