"""The ``pymc-symplectic`` command-line tool."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

from pymc_symplectic import __version__
from pymc_symplectic import integrators as _integrators

__all__ = ["DEMO_MODEL", "DEMO_SAMPLERS", "UsageError", "build_parser", "main"]

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


def _output_dir(path) -> Path:
    """Create the output directory (and parents); a one-line error if that is impossible."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot use '{out}' as output directory: it is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot create output directory '{out}': {reason}") from None
    return out


def _save(figures: dict, out: Path) -> list[Path]:
    from pymc_symplectic import plots

    written = []
    for filename, figure in figures.items():
        path = out / filename
        try:
            plots.save_figure(figure, path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UsageError(f"cannot write '{path}': {reason}") from None
        written.append(path)
    return written


def _write_text(path: Path, text: str) -> Path:
    try:
        path.write_text(text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write '{path}': {reason}") from None
    return path


def _cmd_classical(args: argparse.Namespace) -> int:
    out = _output_dir(args.out)
    for path in _classical(out, print_table=True):
        print(f"  {path}")
    return 0


def _classical(out: Path, *, print_table: bool) -> list[Path]:
    """Write the three classical-integrator figures into ``out`` (and print their table)."""
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
    if print_table:
        print(
            f"Classical integrators, {n_steps} steps of h = {step_size:g} "
            f"(t = {n_steps * step_size:g}); oscillator from (q, p) = (1, 0), "
            "pendulum released at rest from q = 2."
        )
        print(_format_table(header, rows, right={1, 2, 5, 6}))
        print("* evaluations per fixed-point iteration (implicit methods).")
        print()
        print("Wrote:")
    return _save(figures, out)


# ---------------------------------------------------------------------------
# Sampler comparison
# ---------------------------------------------------------------------------

#: Samplers of ``demo``: relativistic HMC, a 4th-order HMC, NUTS with the best
#: two-stage scheme (next to PyMC's NUTS, always included by ``compare``). The
#: 4th-order scheme is PEFRL rather than Forest-Ruth: on the demo model its energy
#: error is about 30 times smaller at equal gradient cost and its stability interval
#: is larger (2.99 vs 1.57), so HMC with it diverges less.
DEMO_SAMPLERS = ("relativistic-hmc", "hmc:pefrl", "nuts:bcss2")
DEMO_MODEL = "eight_schools_noncentered"
# Integrators of the energy-error figure, beside those of the samplers compared.
_CURVE_INTEGRATORS = ("leapfrog", "bcss2", "forest_ruth")
_CURVE_STEP_SIZES = (0.25, 0.125, 0.0625, 0.03125)  # divide T = 1 exactly


def _build_model(name: str):
    from pymc_symplectic import examples

    try:
        entry = examples.get(name)
    except ValueError as exc:
        raise UsageError(str(exc).rstrip(".")) from None
    return entry.build()


def _parse_specs(text: str):
    from pymc_symplectic.compare import parse_sampler_specs

    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise UsageError(f"--samplers must be a comma-separated list of specs, got {text!r}")
    try:
        return parse_sampler_specs(items)
    except ValueError as exc:
        raise UsageError(str(exc).rstrip(".")) from None


def _energy_error_curves(model, result):
    """Energy error vs step size at the baseline's posterior draws, for the schemes compared."""
    from pymc_symplectic import diagnostics
    from pymc_symplectic.kinetic import GaussianKinetic

    names = list(_CURVE_INTEGRATORS)
    for spec in result.specs.values():
        if spec.integrator and spec.integrator not in names:
            names.append(spec.integrator)
    baseline = result.runs[result.baseline]
    points = diagnostics.unconstrained_points(model, baseline, n_points=None)
    # The adapted diagonal mass matrix of the samplers: the posterior variances.
    kinetic = GaussianKinetic(np.maximum(points.var(axis=0), 1e-12))
    return [
        diagnostics.energy_error_curve(
            model, name, _CURVE_STEP_SIZES, points=baseline, n_points=6, kinetic=kinetic
        )
        for name in names
    ]


def _comparison(model, model_name: str, specs, args, out: Path) -> tuple[object, list[Path]]:
    """Run the comparison, print and write its table and figures; return (result, files)."""
    from pymc_symplectic import plots
    from pymc_symplectic.compare import compare

    result = compare(
        model,
        specs,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        cores=args.cores,
        random_seed=args.seed,
        progressbar=not args.no_progress,
    )
    settings = result.settings
    print()
    print(
        f"Comparison on {model_name}: {settings['chains']} chains x {settings['draws']} draws "
        f"(+{settings['tune']} tuning), seed {settings['random_seed']}; ratios are to "
        f"'{result.baseline}' in this run."
    )
    print(result.format())
    files = [
        _write_text(out / "comparison.csv", result.table.to_csv()),
        _write_text(out / "comparison.md", result.to_markdown()),
    ]
    curves = _energy_error_curves(model, result)
    files += _save(
        {
            "efficiency.png": plots.plot_sampler_efficiency(result),
            "energy.png": plots.plot_energy_transitions(result),
            "energy_error_vs_step_size.png": plots.plot_energy_error_vs_step_size(
                curves,
                title=(
                    f"Energy error after T = 1 on {model_name} at posterior draws "
                    "(mass matrix: posterior variances)"
                ),
            ),
        },
        out,
    )
    return result, files


def _cmd_compare(args: argparse.Namespace) -> int:
    from pymc_symplectic.compare import SamplerUnavailableError

    model = _build_model(args.model)  # an unknown model fails before anything runs
    specs = _parse_specs(args.samplers)
    for spec in specs.values():
        try:
            spec.resolve_class()
        except SamplerUnavailableError as exc:
            raise UsageError(str(exc).rstrip(".")) from None
    out = _output_dir(args.out)
    _, files = _comparison(model, args.model, specs, args, out)
    print()
    print("Wrote:")
    for path in files:
        print(f"  {path}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import arviz as az

    from pymc_symplectic.compare import parse_sampler_specs

    model = _build_model(args.model)
    out = _output_dir(args.out)
    specs = parse_sampler_specs(list(DEMO_SAMPLERS))
    result, files = _comparison(model, args.model, specs, args, out)
    shown = next((label for label in result.runs if label != result.baseline), result.baseline)
    free = [rv.name for rv in model.free_RVs]
    print()
    print(f"ArviZ summary of the {shown} run:")
    summary = az.summary(result.runs[shown], var_names=free)
    print(summary.to_string() if hasattr(summary, "to_string") else summary)
    files += _classical(out, print_table=False)
    print()
    print("Wrote:")
    for path in files:
        print(f"  {path}")
    return 0


# ---------------------------------------------------------------------------
# Parser and entry point
# ---------------------------------------------------------------------------


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _sampling_arguments(parser, *, draws: int, tune: int, chains: int, cores) -> None:
    parser.add_argument(
        "--draws",
        type=_int_at_least(4),
        default=draws,
        metavar="N",
        help="draws per chain after tuning (default: %(default)s)",
    )
    parser.add_argument(
        "--tune",
        type=_int_at_least(0),
        default=tune,
        metavar="N",
        help="tuning draws per chain (default: %(default)s)",
    )
    parser.add_argument(
        "--chains",
        type=_int_at_least(1),
        default=chains,
        metavar="N",
        help="chains per sampler (default: %(default)s)",
    )
    parser.add_argument(
        "--cores",
        type=_int_at_least(1),
        default=cores,
        metavar="N",
        help="processes per sampler (default: %s)" % ("PyMC's" if cores is None else cores),
    )
    parser.add_argument(
        "--seed",
        type=_int_at_least(0),
        default=None,
        metavar="N",
        help="random seed of the whole comparison (default: fresh, printed)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide PyMC's progress bars")


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
        help="compare relativistic HMC, 4th-order HMC and NUTS with PyMC's NUTS on a model",
        description=(
            "The main demonstration: sample an example model with RelativisticHMC, "
            "SymplecticHMC with the 4th-order PEFRL scheme, SymplecticNUTS with "
            "the BCSS two-stage scheme and PyMC's own NUTS from the same dispersed "
            "starting points; print the ArviZ summary of the RelativisticHMC run and the "
            "comparison table (ESS per gradient and per second, ratios to PyMC's NUTS, "
            "R-hat, divergences, E-BFMI), and write the table (CSV, Markdown) and the "
            "figures, the classical-integrator ones included, into the output directory."
        ),
    )
    demo.add_argument(
        "--out",
        default="outputs/demo",
        metavar="DIR",
        help="directory for the table and figures, created if missing (default: %(default)s)",
    )
    demo.add_argument(
        "--model",
        default=DEMO_MODEL,
        metavar="NAME",
        help="example model (see pymc_symplectic.examples.available(); default: %(default)s)",
    )
    _sampling_arguments(demo, draws=500, tune=500, chains=4, cores=2)
    demo.set_defaults(handler=_cmd_demo)

    compare = commands.add_parser(
        "compare",
        help="compare samplers with PyMC's NUTS on an example model",
        description=(
            "Run each sampler and PyMC's NUTS (always included, the baseline of the ratios) "
            "on an example model from the same dispersed starting points; print the "
            "comparison table and write it (comparison.csv, comparison.md) with the figures "
            "efficiency.png, energy.png and energy_error_vs_step_size.png into DIR. "
            "Sampler specs: FAMILY[:INTEGRATOR] with FAMILY one of hmc, nuts, "
            "relativistic-hmc, relativistic-nuts, pymc-nuts, pymc-hmc and INTEGRATOR a "
            "symplectic, symmetric integrator (see 'pymc-symplectic integrators')."
        ),
    )
    compare.add_argument(
        "--model",
        required=True,
        metavar="NAME",
        help="example model, e.g. eight_schools_noncentered",
    )
    compare.add_argument(
        "--samplers",
        required=True,
        metavar="LIST",
        help="comma-separated sampler specs, e.g. hmc:leapfrog,hmc:bcss3,nuts:pefrl",
    )
    _sampling_arguments(compare, draws=1000, tune=1000, chains=4, cores=None)
    compare.add_argument(
        "--out",
        default="outputs/compare",
        metavar="DIR",
        help="directory for the table and figures, created if missing (default: %(default)s)",
    )
    compare.set_defaults(handler=_cmd_compare)

    classical = commands.add_parser(
        "classical",
        help="compare the classical integrators and write three figures",
        description=(
            "Integrate the harmonic oscillator and the pendulum with the classical "
            "integrators (Euler, Runge-Kutta, Adams-Bashforth, implicit and symplectic "
            "methods); print their properties and long-run energy error, and write "
            "phase_portrait.png, energy_error.png and convergence.png."
        ),
    )
    classical.add_argument(
        "--out",
        default="outputs/classical",
        metavar="DIR",
        help="directory for the figures, created if missing (default: %(default)s)",
    )
    classical.set_defaults(handler=_cmd_classical)

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

    Raises
    ------
    TypeError
        If ``argv`` is a single string instead of a list of arguments.
    """
    if isinstance(argv, str | bytes):
        raise TypeError(
            f"argv must be a list of arguments, got the string {argv!r}; split it first "
            "(e.g. shlex.split)."
        )
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else [str(a) for a in argv])
        if args.command is None:
            raise UsageError(
                "a command is required: demo, compare, classical or integrators "
                f"(see '{PROG} --help')"
            )
        return args.handler(args)
    except _Exit as exc:
        return exc.status
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
