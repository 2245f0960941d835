"""Sampling efficiency per gradient evaluation: the cost measure that is fair across integrators."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GradientEfficiency", "ess_per_gradient", "gradient_evaluations"]

_STATS_GROUPS = ("sample_stats", "warmup_sample_stats")


def _stats_group(idata, group):
    """Return ``idata[group]``, naming ``idata`` or ``group`` when that is impossible."""
    if not (hasattr(idata, "__getitem__") and hasattr(idata, "__contains__")):
        raise TypeError(
            "idata must be a DataTree (or InferenceData) from pm.sample, "
            f"got {type(idata).__name__}."
        )
    if not isinstance(group, str):
        raise TypeError(f"group must be a string such as 'sample_stats', got {group!r}.")
    if group not in idata:
        present = [name for name in _STATS_GROUPS if name in idata]
        raise ValueError(
            f"group={group!r} is not a group of idata; groups of sample statistics it has: "
            f"{present}. Use 'sample_stats' (after tuning) or 'warmup_sample_stats' "
            "(tuning, kept with pm.sample(..., discard_tuned_samples=False))."
        )
    return idata[group]


def gradient_evaluations(idata, group: str = "sample_stats") -> float:
    r"""Return the log-density-gradient evaluations of a run, summed over chains and draws.

    Read from the ``n_grad_evals`` statistic when the step emits it (our step
    methods count every evaluation, the one at each draw's start included).
    Otherwise, for PyMC's ``NUTS`` and ``HamiltonianMC``, it is
    :math:`\sum (\text{n\_steps} + 1)`: PyMC's leapfrog evaluates the gradient once
    per step (the last one is reused by the next step), NUTS counts every leaf it
    builds, divergent ones included, in ``n_steps`` (``tree_size``), and each draw
    evaluates it once more at its starting point (``BaseHMC.astep`` calls
    ``integrator.compute_state``). The test suite checks this count against a
    counting wrapper of the compiled function.

    Parameters
    ----------
    idata
        A DataTree from ``pm.sample``.
    group
        ``"sample_stats"`` (after tuning) or ``"warmup_sample_stats"`` (tuning, when
        sampled with ``discard_tuned_samples=False``).

    Returns
    -------
    float
        The count (an integer value), or NaN when the statistics allow no count.

    Raises
    ------
    TypeError
        If ``idata`` is not a DataTree-like mapping of groups.
    ValueError
        If ``idata`` has no group ``group``.
    """
    stats = _stats_group(idata, group)
    if "n_grad_evals" in stats:
        return float(np.asarray(stats["n_grad_evals"]).sum())
    if "n_steps" in stats:
        n_steps = np.asarray(stats["n_steps"])
        return float(n_steps.sum() + n_steps.size)
    return math.nan


@dataclass(frozen=True)
class GradientEfficiency:
    """Effective sample size per gradient evaluation of one run.

    Attributes
    ----------
    grad_evals
        Gradient evaluations after tuning (:func:`gradient_evaluations`).
    bulk, tail
        ``xarray.Dataset`` of bulk and tail ESS divided by ``grad_evals``, one
        variable per posterior variable.
    """

    grad_evals: float
    bulk: Any
    tail: Any

    @staticmethod
    def _min(dataset) -> float:
        values = [np.asarray(dataset[name]).ravel() for name in dataset.data_vars]
        return float(np.min(np.concatenate(values))) if values else math.nan

    @property
    def min_bulk(self) -> float:
        """The smallest bulk ESS per gradient over all variables and elements."""
        return self._min(self.bulk)

    @property
    def min_tail(self) -> float:
        """The smallest tail ESS per gradient over all variables and elements."""
        return self._min(self.tail)


def ess_per_gradient(idata, var_names=None) -> GradientEfficiency:
    r"""Return bulk and tail ESS divided by the gradient evaluations of the run.

    :math:`\mathrm{ESS}/N_\nabla`, with the ESS from ``arviz.ess`` (rank-normalised
    bulk and tail ESS, Vehtari et al., Rank-normalization, folding, and
    localization, Bayesian Analysis 16(2), 2021, sec. 3) and :math:`N_\nabla`
    from :func:`gradient_evaluations`. Gradients dominate the cost of HMC on all
    but the cheapest models, so this ratio compares integrators with different
    gradients per step on equal terms (e.g. Blanes, Casas & Sanz-Serna, SIAM J.
    Sci. Comput. 36(4), 2014, sec. 5).

    Parameters
    ----------
    idata
        A DataTree from ``pm.sample``.
    var_names
        Variables to include; default: all of the posterior.

    Returns
    -------
    GradientEfficiency
        Per-variable ratios and their minima.

    Raises
    ------
    TypeError
        If ``idata`` is not a DataTree-like mapping of groups.
    ValueError
        If ``idata`` lacks a posterior or sample statistics, or they allow no count
        of gradient evaluations.
    """
    import arviz as az

    if hasattr(idata, "__contains__") and "posterior" not in idata:
        raise ValueError("idata has no posterior group: pass the result of pm.sample.")
    grads = gradient_evaluations(idata)
    if not grads > 0:
        raise ValueError(
            "cannot count gradient evaluations: the sample statistics have neither "
            "'n_grad_evals' nor 'n_steps'."
        )
    out = {}
    for method in ("bulk", "tail"):
        ess = az.ess(idata, var_names=var_names, method=method)
        ess = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
        out[method] = ess / grads
    return GradientEfficiency(grads, out["bulk"], out["tail"])
