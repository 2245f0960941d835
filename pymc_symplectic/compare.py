"""Side-by-side comparison of step methods on one model, with PyMC's NUTS as the baseline."""

from __future__ import annotations

import math
import numbers
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pymc_symplectic import integrators as _integrators
from pymc_symplectic._checks import check_integer, check_non_negative, check_rng

__all__ = [
    "BASELINE_LABEL",
    "DISPLAY_COLUMNS",
    "SAMPLER_FAMILIES",
    "TABLE_COLUMNS",
    "ComparisonResult",
    "SamplerSpec",
    "SamplerUnavailableError",
    "available_families",
    "compare",
    "dispersed_initvals",
    "format_table",
    "parse_sampler_spec",
    "parse_sampler_specs",
    "run_metrics",
    "to_markdown",
]

#: Label of the baseline run, PyMC's own NUTS, which every comparison includes.
BASELINE_LABEL = "nuts (PyMC)"

#: Sampler families of a string spec ``family[:integrator]`` and the class each names.
#: Our classes are looked up by name on :mod:`pymc_symplectic` when a step is built,
#: so a class added to the package later is picked up without a change here.
SAMPLER_FAMILIES: dict[str, str] = {
    "hmc": "SymplecticHMC",
    "nuts": "SymplecticNUTS",
    "relativistic-hmc": "RelativisticHMC",
    "relativistic-nuts": "RelativisticNUTS",
    "pymc-nuts": "pymc.NUTS",
    "pymc-hmc": "pymc.HamiltonianMC",
}
# PyMC's own classes run only PyMC's leapfrog: no ``:integrator`` suffix.
_FIXED_INTEGRATOR = {"pymc-nuts", "pymc-hmc"}

#: Columns of :attr:`ComparisonResult.table`, in order (the index is the sampler label).
TABLE_COLUMNS: tuple[str, ...] = (
    "spec",
    "compile_s",
    "sampling_s",
    "grad_evals",
    "ess_bulk_min",
    "ess_tail_min",
    "ess_bulk_per_s",
    "ess_tail_per_s",
    "ess_bulk_per_1k_grad",
    "ess_tail_per_1k_grad",
    "ess_bulk_per_s_ratio",
    "ess_tail_per_s_ratio",
    "ess_bulk_per_1k_grad_ratio",
    "ess_tail_per_1k_grad_ratio",
    "rhat_max",
    "divergences",
    "acceptance_mean",
    "ebfmi_min",
    "step_size",
)
_RATIO_OF = {
    "ess_bulk_per_s_ratio": "ess_bulk_per_s",
    "ess_tail_per_s_ratio": "ess_tail_per_s",
    "ess_bulk_per_1k_grad_ratio": "ess_bulk_per_1k_grad",
    "ess_tail_per_1k_grad_ratio": "ess_tail_per_1k_grad",
}


class SamplerUnavailableError(LookupError):
    """A sampler spec names a step method this installation does not provide (yet)."""


def _valid_integrators() -> list[str]:
    """Return the registered integrators usable in HMC (symplectic and symmetric)."""
    return [name for name in _integrators.available() if _integrators.get(name).hmc_valid]


@dataclass(frozen=True)
class SamplerSpec:
    """A recipe for a step method; built anew inside each model, since a step is bound to one.

    Attributes
    ----------
    label
        Row label in the comparison table.
    family
        A key of :data:`SAMPLER_FAMILIES` for a string spec, else ``None``.
    integrator
        Registered integrator name of a string spec, or ``None`` for the class default.
    step_class
        The step class of a ``(StepClass, kwargs)`` spec.
    kwargs
        Keyword arguments of a ``(StepClass, kwargs)`` spec.
    factory
        A callable ``factory(model) -> step``.
    """

    label: str
    family: str | None = None
    integrator: str | None = None
    step_class: type | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    factory: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label:
            raise ValueError(f"label must be a non-empty string, got {self.label!r}.")
        if self.family is not None and self.family not in SAMPLER_FAMILIES:
            raise ValueError(
                f"family must be one of {', '.join(SAMPLER_FAMILIES)} or None, got {self.family!r}."
            )
        given = [
            name for name in ("family", "step_class", "factory") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a SamplerSpec needs exactly one of family, step_class and factory, got "
                f"{given or 'none'}; build specs with parse_sampler_spec."
            )
        if self.step_class is not None and not isinstance(self.step_class, type):
            raise ValueError(f"step_class must be a class, got {self.step_class!r}.")
        if self.factory is not None and not callable(self.factory):
            raise ValueError(f"factory must be callable, got {self.factory!r}.")
        if not isinstance(self.kwargs, Mapping):
            raise ValueError(f"kwargs must be a dict, got {self.kwargs!r}.")
        if self.integrator is not None and (
            self.family is None or not isinstance(self.integrator, str)
        ):
            raise ValueError(
                "integrator is the registered name of a string spec's integrator "
                f"(family given), got integrator={self.integrator!r}, family={self.family!r}."
            )

    @property
    def class_name(self) -> str:
        """Name of the step class this spec builds (``"factory"`` for a factory)."""
        if self.family is not None:
            return SAMPLER_FAMILIES[self.family]
        if self.step_class is not None:
            return self.step_class.__name__
        return "factory"

    def describe(self) -> str:
        """Return a short text form: the string spec, or the class and its arguments."""
        if self.family is not None:
            return self.family + (f":{self.integrator}" if self.integrator else "")
        if self.step_class is not None:
            args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
            return f"{self.step_class.__name__}({args})"
        return f"factory {getattr(self.factory, '__name__', repr(self.factory))}"

    def resolve_class(self) -> type | None:
        """Return the step class (``None`` for a factory).

        Raises
        ------
        SamplerUnavailableError
            If the class of a string spec is not provided by this installation.
        """
        if self.family is None:
            return self.step_class
        cls = _load_class(self.family)
        if cls is None:
            raise SamplerUnavailableError(
                f"sampler {self.describe()!r} needs pymc_symplectic."
                f"{SAMPLER_FAMILIES[self.family]}, which this installation does not provide "
                f"yet; available now: {', '.join(available_families())}."
            )
        return cls

    def build(self, model):
        """Build the step method inside ``model`` (this compiles its log density and gradient).

        Parameters
        ----------
        model
            A :class:`pymc.Model`.
        """
        with model:
            if self.factory is not None:
                return self.factory(model)
            cls = self.resolve_class()
            kwargs = dict(self.kwargs)
            if self.integrator is not None:
                kwargs["integrator"] = self.integrator
            return cls(**kwargs)


def _load_class(family: str) -> type | None:
    """Return the class of a family, looked up by name now; ``None`` if it does not exist."""
    name = SAMPLER_FAMILIES[family]
    if name.startswith("pymc."):
        import pymc as pm

        return getattr(pm, name.removeprefix("pymc."))
    import pymc_symplectic

    return getattr(pymc_symplectic, name, None)


def available_families() -> list[str]:
    """Return the families of :data:`SAMPLER_FAMILIES` whose class can be loaded now."""
    return [family for family in SAMPLER_FAMILIES if _load_class(family) is not None]


def parse_sampler_spec(spec, label: str | None = None) -> SamplerSpec:
    """Validate a sampler spec and return it as a :class:`SamplerSpec`.

    Parameters
    ----------
    spec
        One of

        - a string ``family[:integrator]``: ``family`` is a key of
          :data:`SAMPLER_FAMILIES` (``"hmc"``, ``"nuts"``, ``"relativistic-hmc"``,
          ``"relativistic-nuts"``, ``"pymc-nuts"``, ``"pymc-hmc"``) and ``integrator``
          a registered symplectic, symmetric integrator (``"hmc:bcss3"``,
          ``"nuts:pefrl"``, ``"relativistic-hmc:forest_ruth"``); without it the
          class's default integrator is used;
        - a ``(StepClass, kwargs)`` pair, or a step class alone (no arguments);
        - a callable ``factory(model) -> step``.
    label
        Row label; default: the string spec itself, or the class name.

    Returns
    -------
    SamplerSpec
        Validated; whether our class is importable is checked when it is built
        (see :meth:`SamplerSpec.resolve_class`).

    Raises
    ------
    ValueError
        For an unknown family or integrator (the message lists the valid ones), or a
        malformed spec.
    """
    if label is not None and (not isinstance(label, str) or not label):
        raise ValueError(f"label must be a non-empty string or None, got {label!r}.")
    if isinstance(spec, SamplerSpec):
        return spec if label is None else SamplerSpec(**{**spec.__dict__, "label": label})
    if isinstance(spec, str):
        text = spec.strip()
        family, _, integrator = text.partition(":")
        family = family.strip().lower().replace("_", "-")
        integrator = integrator.strip() or None
        if family not in SAMPLER_FAMILIES:
            raise ValueError(
                f"unknown sampler {spec!r}; valid samplers: {', '.join(SAMPLER_FAMILIES)} "
                "(optionally followed by ':INTEGRATOR', e.g. 'hmc:bcss3')."
            )
        if integrator is not None:
            if family in _FIXED_INTEGRATOR:
                raise ValueError(
                    f"sampler {family!r} runs PyMC's own leapfrog and takes no integrator "
                    f"(got {spec!r}); use 'hmc:{integrator}' or 'nuts:{integrator}'."
                )
            valid = _valid_integrators()
            try:
                method = _integrators.get(integrator)
            except (ValueError, TypeError):
                raise ValueError(
                    f"unknown integrator {integrator!r} in sampler {spec!r}; valid "
                    f"integrators: {', '.join(valid)}."
                ) from None
            if not method.hmc_valid:
                raise ValueError(
                    f"integrator {integrator!r} in sampler {spec!r} is not symplectic and "
                    f"symmetric, so HMC can not use it; valid integrators: {', '.join(valid)}."
                )
            integrator = method.name
        canonical = family + (f":{integrator}" if integrator else "")
        return SamplerSpec(label=label or canonical, family=family, integrator=integrator)
    if isinstance(spec, type):
        return SamplerSpec(label=label or spec.__name__, step_class=spec)
    if isinstance(spec, tuple):
        if len(spec) != 2 or not isinstance(spec[0], type) or not isinstance(spec[1], Mapping):
            raise ValueError(
                f"a tuple sampler spec must be (StepClass, kwargs dict), got {spec!r}."
            )
        return SamplerSpec(label=label or spec[0].__name__, step_class=spec[0], kwargs=spec[1])
    if callable(spec):
        name = getattr(spec, "__name__", type(spec).__name__)
        return SamplerSpec(label=label or name, factory=spec)
    raise ValueError(
        "a sampler spec must be a string such as 'hmc:bcss3', a (StepClass, kwargs) pair "
        f"or a callable factory(model) -> step, got {spec!r}."
    )


def parse_sampler_specs(samplers) -> dict[str, SamplerSpec]:
    """Parse ``samplers`` (a dict label -> spec, or a sequence of specs) into specs by label.

    Raises
    ------
    ValueError
        For an invalid spec, a repeated label or the reserved label :data:`BASELINE_LABEL`.
    """
    if samplers is None:
        return {}
    if isinstance(samplers, Mapping):
        items = [(str(label), spec) for label, spec in samplers.items()]
    elif isinstance(samplers, str | tuple) or callable(samplers):
        items = [(None, samplers)]
    elif isinstance(samplers, Sequence):
        items = [(None, spec) for spec in samplers]
    else:
        raise ValueError(f"samplers must be a dict label -> spec or a list, got {samplers!r}.")
    specs: dict[str, SamplerSpec] = {}
    for label, spec in items:
        parsed = parse_sampler_spec(spec, label)
        if parsed.label == BASELINE_LABEL:
            raise ValueError(
                f"the label {BASELINE_LABEL!r} is reserved for the baseline (always included)."
            )
        if parsed.label in specs:
            raise ValueError(f"sampler label {parsed.label!r} is given twice.")
        specs[parsed.label] = parsed
    return specs


# ---------------------------------------------------------------------------
# Dispersed starting points
# ---------------------------------------------------------------------------


def dispersed_initvals(
    model, chains: int, random_seed=0, *, spread: float = 1.0, max_tries: int = 10
) -> list[dict[str, np.ndarray]]:
    r"""Draw one starting point per chain, dispersed around the model's initial point.

    Each continuous value variable (in the unconstrained space, e.g. ``tau_log__``)
    gets :math:`u \sim U(-\text{spread}, \text{spread})` added elementwise, as PyMC's
    own ``init="jitter+adapt_diag"`` does for NUTS; a draw with a non-finite log
    density is redrawn (up to ``max_tries`` times). PyMC does not jitter when a step
    is passed to ``pm.sample``, so without this every chain would start at the same
    point and R-hat (Vehtari et al. 2021, Bayesian Analysis 16(2), sec. 4) could not
    reveal chains that have not mixed.

    Parameters
    ----------
    model
        A :class:`pymc.Model`.
    chains
        Number of points.
    random_seed
        Seed of the jitter; the same seed gives the same points.
    spread
        Half-width of the uniform jitter.
    max_tries
        Draws per chain before giving up.

    Returns
    -------
    list of dict
        ``initvals`` for ``pm.sample``: value-variable names to arrays.

    Raises
    ------
    ValueError
        For a model that is not a ``pymc.Model`` or has no continuous free variable,
        an invalid ``chains``, ``spread``, ``max_tries`` or ``random_seed``, or when
        no jittered start of a chain has a finite log density.
    """
    _check_model(model)
    chains = check_integer("chains", chains, 1)
    spread = check_non_negative("spread", spread)
    max_tries = check_integer("max_tries", max_tries, 1)
    rng = check_rng(random_seed)
    centre = model.initial_point()
    continuous = {v.name for v in model.continuous_value_vars}
    logp = model.compile_logp()
    points = []
    for chain in range(chains):
        for _ in range(max_tries):
            point = {
                name: (
                    np.asarray(value) + rng.uniform(-spread, spread, np.shape(value))
                    if name in continuous
                    else np.asarray(value)
                ).astype(np.asarray(value).dtype)
                for name, value in centre.items()
            }
            if np.isfinite(logp(point)):
                break
        else:
            raise ValueError(
                f"no finite log density in {max_tries} jittered starts for chain {chain}; "
                "pass spread smaller or fix the model's initial values."
            )
        points.append(point)
    return points


# ---------------------------------------------------------------------------
# Metrics of one run
# ---------------------------------------------------------------------------


def _min_over(dataset) -> float:
    """Minimum over every variable and element of an ArviZ result (NaN propagates)."""
    values = [np.asarray(dataset[name]).ravel() for name in dataset.data_vars]
    return float(np.min(np.concatenate(values))) if values else math.nan


def _max_over(dataset) -> float:
    values = [np.asarray(dataset[name]).ravel() for name in dataset.data_vars]
    return float(np.max(np.concatenate(values))) if values else math.nan


def _as_dataset(result):
    """ArviZ 1.x returns DataTrees from its diagnostics; return the Dataset inside."""
    return result.to_dataset() if hasattr(result, "to_dataset") else result


def run_metrics(idata, var_names: Sequence[str] | None = None) -> dict[str, float]:
    """Compute the per-run statistics of the comparison table from a DataTree.

    Every statistic comes from ArviZ: ``az.ess`` (bulk and tail, Vehtari et al. 2021),
    ``az.rhat`` (rank-normalised split R-hat, ibid.) and ``az.bfmi`` (E-BFMI,
    Betancourt 2016, arXiv:1604.00695, eq. 3.1); the gradient count is
    :func:`pymc_symplectic.diagnostics.gradient_evaluations`.

    Parameters
    ----------
    idata
        A DataTree from ``pm.sample`` (tuning draws discarded).
    var_names
        Parameters over which ESS and R-hat are minimised/maximised; default: all
        of the posterior.

    Returns
    -------
    dict
        ``grad_evals``, ``ess_bulk_min``, ``ess_tail_min``, ``ess_bulk_per_1k_grad``,
        ``ess_tail_per_1k_grad``, ``rhat_max``, ``divergences``, ``acceptance_mean``,
        ``ebfmi_min``, ``step_size``.
    """
    import arviz as az

    from pymc_symplectic.diagnostics import gradient_evaluations

    if not hasattr(idata, "__contains__"):
        raise TypeError(f"idata must be a DataTree from pm.sample, got {type(idata).__name__}.")
    missing = [group for group in ("posterior", "sample_stats") if group not in idata]
    if missing:
        raise ValueError(f"idata lacks the groups {missing}: pass the result of pm.sample.")
    if isinstance(var_names, str):
        var_names = [var_names]
    names = None if var_names is None else list(var_names)
    ess_bulk = _min_over(_as_dataset(az.ess(idata, var_names=names, method="bulk")))
    ess_tail = _min_over(_as_dataset(az.ess(idata, var_names=names, method="tail")))
    rhat = _max_over(_as_dataset(az.rhat(idata, var_names=names)))
    stats = idata["sample_stats"]
    grads = gradient_evaluations(idata)
    per_k = (lambda ess: 1000.0 * ess / grads) if grads and grads > 0 else (lambda ess: math.nan)
    divergences = int(np.asarray(stats["diverging"]).sum()) if "diverging" in stats else 0
    # PyMC's HMC calls its acceptance statistic "accept"; NUTS and ours "acceptance_rate".
    accept_key = next((k for k in ("acceptance_rate", "accept") if k in stats), None)
    acceptance = math.nan if accept_key is None else float(np.mean(np.asarray(stats[accept_key])))
    try:
        ebfmi = _min_over(_as_dataset(az.bfmi(idata)))
    except (KeyError, ValueError):
        ebfmi = math.nan
    step_key = "step_size_bar" if "step_size_bar" in stats else "step_size"
    # The adapted (dual-averaged) step size, averaged over chains, at the last draw.
    step_size = (
        float(np.mean(np.asarray(stats[step_key])[:, -1])) if step_key in stats else math.nan
    )
    return {
        "grad_evals": grads,
        "ess_bulk_min": ess_bulk,
        "ess_tail_min": ess_tail,
        "ess_bulk_per_1k_grad": per_k(ess_bulk),
        "ess_tail_per_1k_grad": per_k(ess_tail),
        "rhat_max": rhat,
        "divergences": divergences,
        "acceptance_mean": acceptance,
        "ebfmi_min": ebfmi,
        "step_size": step_size,
    }


# ---------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """The runs of :func:`compare` and their table, measured side by side in one process.

    Attributes
    ----------
    runs
        Label -> the run's ArviZ DataTree (the baseline first). The posterior holds
        the transformed (unconstrained) variables too (``include_transformed``).
    table
        One row per sampler, indexed by label, with the columns of
        :data:`TABLE_COLUMNS` (see :func:`compare`).
    specs
        Label -> the :class:`SamplerSpec` that was run.
    initvals
        The dispersed starting points every sampler used, one dict per chain.
    settings
        ``draws``, ``tune``, ``chains``, ``cores`` and ``random_seed`` (the entropy
        actually used, so a run without a seed can be repeated).
    baseline
        Label of the baseline row, :data:`BASELINE_LABEL`.
    """

    runs: dict[str, Any]
    table: Any
    specs: dict[str, SamplerSpec]
    initvals: tuple[dict[str, np.ndarray], ...]
    settings: dict[str, Any]
    baseline: str = BASELINE_LABEL

    def to_markdown(self, columns: Sequence[str] | None = None) -> str:
        """Return the table as GitHub Markdown (see :func:`to_markdown`)."""
        return to_markdown(self.table, columns)

    def format(self, columns: Sequence[str] | None = None) -> str:
        """Return the table as aligned plain text (see :func:`format_table`)."""
        return format_table(self.table, columns)

    def __repr__(self) -> str:
        return f"ComparisonResult({self.settings})\n{self.format()}"


def _check_model(model):
    """Refuse a non-model, and a model without continuous free variables (before compiling)."""
    import pymc as pm

    if not isinstance(model, pm.Model):
        raise ValueError(f"model must be a pymc.Model or an example name, got {model!r}.")
    if not model.value_vars:
        raise ValueError(
            "model has no free random variables: the samplers compared need at least one "
            "continuous one."
        )
    if not model.continuous_value_vars:
        names = [v.name for v in model.value_vars]
        raise ValueError(
            f"every free variable of the model is discrete ({names}): the samplers compared "
            "are gradient-based and need continuous ones."
        )
    return model


def _run_seed(entropy: int, label: str) -> int:
    """Return a run's seed, from the comparison's entropy and its label (order-independent)."""
    sequence = np.random.SeedSequence([entropy, zlib.crc32(label.encode())])
    return int(sequence.generate_state(1)[0])


def _warm_up(model) -> None:
    """Run one untimed draw of PyMC's NUTS to fill PyTensor's compilation cache.

    Then no timed run pays alone for compiling the log density, its gradient and
    the initial-point and trace functions.
    """
    import logging

    import pymc as pm

    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with model:
            pm.sample(
                draws=1,
                tune=0,
                chains=1,
                cores=1,
                step=pm.NUTS(),
                random_seed=0,
                progressbar=False,
                compute_convergence_checks=False,
                nuts_sampler="pymc",
            )
    finally:
        logger.setLevel(level)


def compare(
    model,
    samplers=None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    random_seed: int | None = None,
    cores: int | None = None,
    *,
    progressbar: bool = True,
    initvals: Sequence[dict] | None = None,
    jitter: float = 1.0,
) -> ComparisonResult:
    r"""Run each sampler on ``model`` next to PyMC's NUTS and tabulate their efficiency.

    Every run uses the same ``draws``, ``tune``, ``chains`` and the same dispersed
    starting points (:func:`dispersed_initvals`, drawn once): PyMC does not jitter
    the starting points of a step it is given, and chains started at one point make
    R-hat uninformative. PyMC's NUTS is always included as :data:`BASELINE_LABEL`:
    built with ``pm.NUTS()`` inside the model (so its compilation is timed like the
    others'; PyMC's default diagonal mass-matrix adaptation, as for every HMC step
    built this way) and run with ``nuts_sampler="pymc"`` (PyMC's default when a
    step is given; stated anyway, so nutpie is never picked). The ratios in the
    table are to this baseline, measured in the same call.

    Parameters
    ----------
    model
        A :class:`pymc.Model`, or the name of an example model
        (:func:`pymc_symplectic.examples.available`).
    samplers
        Label -> spec, or a list of specs (labelled by their text); a spec is a
        string ``family[:integrator]`` (``"hmc:bcss3"``, ``"nuts:pefrl"``,
        ``"relativistic-hmc:forest_ruth"``; see :func:`parse_sampler_spec`), a
        ``(StepClass, kwargs)`` pair or a factory ``callable(model) -> step``.
        Specs, not step objects: a step is bound to one model and one run.
    draws, tune, chains, cores
        As for ``pm.sample`` (``cores=None``: PyMC's default).
    random_seed
        Seed of the whole comparison; each run gets a seed derived from it and its
        label (deterministic, independent of the order of ``samplers``), the
        starting points another. ``None``: fresh entropy, recorded in
        ``settings["random_seed"]``.
    progressbar
        Show PyMC's progress bars.
    initvals
        Starting points, one dict per chain, instead of the jittered ones.
    jitter
        Half-width of the uniform jitter of the starting points in the
        unconstrained space.

    Returns
    -------
    ComparisonResult
        The DataTrees and the table. Columns:

        - ``compile_s``: seconds to build the step (compiling the log density and
          its gradient). The model's function is compiled once untimed first, so
          every sampler finds PyTensor's compilation cache equally warm.
        - ``sampling_s``: wall time of ``pm.sample`` (tuning and draws, all chains,
          ``cores`` processes).
        - ``grad_evals``: log-density-gradient evaluations after tuning, summed
          over chains (:func:`pymc_symplectic.diagnostics.gradient_evaluations`).
        - ``ess_bulk_min``, ``ess_tail_min``: the smallest bulk and tail ESS over all
          elements of the free variables (``az.ess``).
        - ``ess_*_per_s`` = ESS / ``sampling_s``; ``ess_*_per_1k_grad`` = 1000 ESS /
          ``grad_evals``; ``*_ratio``: the same over the baseline's value.
        - ``rhat_max`` (``az.rhat``), ``divergences`` (after tuning),
          ``acceptance_mean``, ``ebfmi_min`` (the smallest per-chain ``az.bfmi``),
          ``step_size`` (adapted, mean over chains).

    Raises
    ------
    ValueError
        For an invalid spec or setting, before anything runs.
    SamplerUnavailableError
        If a spec names a class this installation does not provide, before anything runs.

    Examples
    --------
    >>> from pymc_symplectic import compare
    >>> result = compare("eight_schools_noncentered", {"bcss3": "hmc:bcss3"})  # doctest: +SKIP
    >>> result.table[["ess_bulk_per_1k_grad", "ess_bulk_per_1k_grad_ratio"]]  # doctest: +SKIP
    """
    import pandas as pd
    import pymc as pm

    if isinstance(model, str):
        from pymc_symplectic import examples

        model = examples.get(model).build()
    _check_model(model)
    draws = check_integer("draws", draws, 4)
    tune = check_integer("tune", tune, 0)
    chains = check_integer("chains", chains, 1)
    if cores is not None:
        cores = check_integer("cores", cores, 1)
    if random_seed is not None and (
        not isinstance(random_seed, numbers.Integral) or isinstance(random_seed, bool)
    ):
        raise ValueError(f"random_seed must be an integer or None, got {random_seed!r}.")
    if random_seed is not None and random_seed < 0:
        raise ValueError(f"random_seed must be >= 0, got {random_seed!r}.")
    jitter = check_non_negative("jitter", jitter)
    if not isinstance(progressbar, bool):
        raise ValueError(f"progressbar must be True or False, got {progressbar!r}.")
    entropy = int(np.random.SeedSequence(random_seed).entropy)

    baseline = SamplerSpec(label=BASELINE_LABEL, family="pymc-nuts")
    specs = {BASELINE_LABEL: baseline, **parse_sampler_specs(samplers)}
    for spec in specs.values():
        spec.resolve_class()  # unavailable classes fail now, not after the first runs

    if initvals is None:
        initvals = dispersed_initvals(model, chains, random_seed=entropy, spread=jitter)
    elif (
        not isinstance(initvals, Sequence)
        or isinstance(initvals, str)
        or not all(isinstance(point, Mapping) for point in initvals)
    ):
        raise ValueError(
            f"initvals must be a list of dicts (one point per chain), got {initvals!r}."
        )
    elif len(initvals) != chains:
        raise ValueError(f"initvals must hold one point per chain ({chains}), got {len(initvals)}.")
    initvals = tuple(dict(point) for point in initvals)

    _warm_up(model)
    free = [rv.name for rv in model.free_RVs]

    runs: dict[str, Any] = {}
    rows = []
    for label, spec in specs.items():
        start = time.perf_counter()
        step = spec.build(model)
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        with model:
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores,
                step=step,
                initvals=[dict(p) for p in initvals],
                random_seed=_run_seed(entropy, label),
                nuts_sampler="pymc",
                progressbar=progressbar,
                compute_convergence_checks=False,
                idata_kwargs={"include_transformed": True},
            )
        sampling_s = time.perf_counter() - start
        metrics = run_metrics(idata, var_names=free)
        rows.append(
            {
                "sampler": label,
                "spec": spec.describe(),
                "compile_s": compile_s,
                "sampling_s": sampling_s,
                **metrics,
                "ess_bulk_per_s": metrics["ess_bulk_min"] / sampling_s,
                "ess_tail_per_s": metrics["ess_tail_min"] / sampling_s,
            }
        )
        runs[label] = idata

    table = pd.DataFrame(rows).set_index("sampler")
    for ratio, column in _RATIO_OF.items():
        table[ratio] = table[column] / table.loc[BASELINE_LABEL, column]
    table = table[list(TABLE_COLUMNS)]
    settings = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "cores": cores,
        "random_seed": entropy,
    }
    return ComparisonResult(runs, table, specs, initvals, settings)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

#: Columns shown by :func:`format_table` by default (the CSV has them all).
DISPLAY_COLUMNS: tuple[str, ...] = (
    "compile_s",
    "sampling_s",
    "grad_evals",
    "ess_bulk_min",
    "ess_tail_min",
    "ess_bulk_per_s_ratio",
    "ess_bulk_per_1k_grad",
    "ess_bulk_per_1k_grad_ratio",
    "rhat_max",
    "divergences",
    "acceptance_mean",
    "ebfmi_min",
    "step_size",
)


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "nan"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{value:.3g}"


def _rows(table, columns):
    if not (hasattr(table, "index") and hasattr(table, "loc") and hasattr(table, "columns")):
        raise TypeError(
            f"table must be a ComparisonResult.table (a pandas DataFrame), got {table!r}."
        )
    if isinstance(columns, str):
        columns = [columns]
    columns = list(DISPLAY_COLUMNS if columns is None else columns)
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise ValueError(
            f"columns {unknown} are not in the table; its columns: {', '.join(table.columns)}."
        )
    header = ["sampler", *columns]
    body = [[str(label), *(_cell(table.loc[label, c]) for c in columns)] for label in table.index]
    return header, body


def format_table(table, columns: Sequence[str] | None = None) -> str:
    """Return the comparison table as aligned plain text (numbers right-aligned).

    Parameters
    ----------
    table
        :attr:`ComparisonResult.table`.
    columns
        Columns to show; default :data:`DISPLAY_COLUMNS`.
    """
    header, body = _rows(table, columns)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def to_markdown(table, columns: Sequence[str] | None = None) -> str:
    """Return the comparison table as a GitHub Markdown table (all columns by default).

    Parameters
    ----------
    table
        :attr:`ComparisonResult.table`.
    columns
        Columns to show; default: all of :data:`TABLE_COLUMNS`.
    """
    header, body = _rows(table, TABLE_COLUMNS if columns is None else columns)
    text = {0} | {i for i, column in enumerate(header) if column == "spec"}
    align = [":---" if i in text else "---:" for i in range(len(header))]
    lines = [header, align, *body]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines) + "\n"
