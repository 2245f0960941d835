"""Simulation-based calibration (SBC) of PyMC step methods, with an exact ECDF uniformity test."""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.special
import scipy.stats

if TYPE_CHECKING:  # the harness imports PyMC, pandas and matplotlib only when used
    import pandas as pd
    import pymc as pm
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "HIERARCHICAL_SIGMA",
    "SBC_MODELS",
    "SBC_THIN",
    "SBCResult",
    "chi2_uniformity_pvalue",
    "ecdf_band",
    "ecdf_uniformity_pvalue",
    "hierarchical_normal_model",
    "logistic_regression_model",
    "plot_ecdf_difference",
    "sbc_ranks",
    "simulation_based_calibration",
]

_log = logging.getLogger(__name__)

#: ``pm.sample`` arguments the harness sets itself; ``sample_kwargs`` may not contain them.
#: (``chains`` is 1: each simulation's ranks come from one chain.)
_RESERVED_SAMPLE_KWARGS = frozenset(
    {"step", "draws", "tune", "chains", "random_seed", "model", "return_inferencedata", "trace"}
)


# --------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------


def _int_at_least(name: str, value, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _probability(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}.")
    return float(value)


def _check_ranks(ranks, n_ranks: int, name: str = "ranks") -> np.ndarray:
    array = np.asarray(ranks)
    if array.ndim != 1 or array.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-d array, got shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError(f"{name} must hold integers in [0, {n_ranks - 1}].")
        array = array.astype(np.int64)
    if array.min() < 0 or array.max() >= n_ranks:
        raise ValueError(
            f"{name} must lie in [0, {n_ranks - 1}] (n_ranks = {n_ranks}), "
            f"got values in [{array.min()}, {array.max()}]."
        )
    return array.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Ranks and uniformity tests
# --------------------------------------------------------------------------------------------


def sbc_ranks(prior_values, posterior_draws) -> np.ndarray:
    r"""Return the SBC rank of each prior draw among its posterior draws.

    The rank of :math:`\tilde\theta` among :math:`\theta_1, \dots, \theta_L` is
    :math:`r = \#\{l : \theta_l < \tilde\theta\} \in \{0, \dots, L\}` (Talts et al.
    2018, arXiv:1804.06788, Algorithm 1). When the posterior draws are independent
    draws from the exact posterior, r is uniform on the :math:`L + 1` values
    (their Theorem 1).

    Parameters
    ----------
    prior_values
        The prior draw of one scalar parameter in each simulation, shape ``(n,)``.
    posterior_draws
        ``L`` posterior draws per simulation, shape ``(n, L)``.

    Returns
    -------
    numpy.ndarray
        Integer ranks, shape ``(n,)``.
    """
    prior = np.asarray(prior_values, dtype=float)
    draws = np.asarray(posterior_draws, dtype=float)
    if prior.ndim != 1 or draws.ndim != 2 or draws.shape[0] != prior.shape[0]:
        raise ValueError(
            "prior_values must be shaped (n,) and posterior_draws (n, L), got "
            f"{prior.shape} and {draws.shape}."
        )
    if draws.shape[1] < 1:
        raise ValueError("posterior_draws must hold at least one draw per simulation.")
    if not (np.all(np.isfinite(prior)) and np.all(np.isfinite(draws))):
        raise ValueError("prior_values and posterior_draws must be finite.")
    return np.sum(draws < prior[:, None], axis=1).astype(np.int64)


@dataclass(frozen=True)
class _EcdfNull:
    """Null distribution of the ECDF of n i.i.d. uniform ranks at K - 1 interior points."""

    n: int
    n_ranks: int
    # Fraction z_k of the rank values below each interior evaluation point (the null CDF).
    z: np.ndarray
    # Rank thresholds t_k: S_k = #{ranks < t_k}.
    thresholds: np.ndarray
    # pointwise[k, c]: two-sided binomial tail probability of S_k = c.
    pointwise: np.ndarray

    @classmethod
    def build(cls, n: int, n_ranks: int, n_points: int | None) -> _EcdfNull:
        if n_points is None:
            n_points = min(n_ranks, max(n, 2))
        n_points = _int_at_least("n_points", n_points, 2)
        if n_points > n_ranks:
            raise ValueError(
                f"n_points must be <= n_ranks = {n_ranks} (one point per rank value), "
                f"got {n_points}."
            )
        # Equally spaced interior thresholds on the rank scale: t_k = floor(k R / K).
        thresholds = (np.arange(1, n_points) * n_ranks) // n_points
        z = thresholds / n_ranks
        counts = np.arange(n + 1)
        # Under uniformity S_k ~ Binomial(n, z_k); p_k(c) = 2 min(P(S <= c), P(S >= c)).
        cdf = scipy.stats.binom.cdf(counts[None, :], n, z[:, None])
        sf = scipy.stats.binom.sf(counts[None, :] - 1, n, z[:, None])
        pointwise = np.minimum(1.0, 2.0 * np.minimum(cdf, sf))
        return cls(n, n_ranks, z, thresholds, pointwise)

    def counts(self, ranks: np.ndarray) -> np.ndarray:
        """S_k = #{ranks < t_k} at every interior point, shape (K - 1,)."""
        return np.searchsorted(np.sort(ranks), self.thresholds, side="left")

    def statistic(self, ranks: np.ndarray) -> float:
        """T = min_k p_k(S_k), the smallest pointwise tail probability."""
        s = self.counts(ranks)
        return float(self.pointwise[np.arange(s.size), s].min())

    def escape_probability(self, levels) -> np.ndarray:
        r"""P(T <= t) under uniformity for each t in ``levels``: an exact recursion.

        The counts of ranks between successive points are multinomial, so given
        :math:`S_{k-1} = s` the increment :math:`S_k - s` is
        :math:`\mathrm{Binomial}(n - s, (z_k - z_{k-1}) / (1 - z_{k-1}))`. The
        recursion carries the probability of having stayed inside
        :math:`\{c : p_k(c) > t\}` at every point so far, and adds up the
        probability that leaves it (Säilynoja, Bürkner and Vehtari 2022,
        Statistics and Computing 32:32, sec. 2.2, computed exactly).
        """
        levels = np.atleast_1d(np.asarray(levels, dtype=float))
        n = self.n
        counts = np.arange(n + 1)
        inside = np.zeros((levels.size, n + 1))
        inside[:, 0] = 1.0
        escaped = np.zeros(levels.size)
        # Transition from S_{k-1} = s (rows) to S_k = s + d (columns), d ~ Binomial(n - s, q).
        trials = (n - counts)[:, None]
        d = counts[None, :] - counts[:, None]
        valid = (d >= 0) & (d <= trials)
        d = np.where(valid, d, 0)
        log_choose = np.where(
            valid,
            scipy.special.gammaln(trials + 1)
            - scipy.special.gammaln(d + 1)
            - scipy.special.gammaln(trials - d + 1),
            -np.inf,
        )
        z_prev = 0.0
        for k, z_k in enumerate(self.z):
            q = (z_k - z_prev) / (1.0 - z_prev)
            transition = np.exp(log_choose + d * math.log(q) + (trials - d) * math.log1p(-q))
            moved = inside @ transition
            out = self.pointwise[k][None, :] <= levels[:, None]
            escaped += np.where(out, moved, 0.0).sum(axis=1)
            inside = np.where(out, 0.0, moved)
            z_prev = z_k
        return np.minimum(escaped, 1.0)

    def pvalue(self, ranks: np.ndarray) -> float:
        return float(self.escape_probability(self.statistic(ranks))[0])

    @cached_property
    def _levels(self) -> np.ndarray:
        return np.unique(self.pointwise)

    def adjusted_level(self, alpha: float) -> float:
        """Largest attainable t with P(T <= t) <= alpha (0 when none is)."""
        candidates = self._levels
        lo, hi = -1, candidates.size  # escape(candidates[lo]) <= alpha < escape(candidates[hi])
        while hi - lo > 1:
            probes = np.unique(np.linspace(lo + 1, hi - 1, min(32, hi - lo - 1)).astype(int))
            ok = self.escape_probability(candidates[probes]) <= alpha
            if ok.any():
                lo = int(probes[ok].max())
            if (~ok).any():
                hi = int(probes[~ok].min())
        return float(candidates[lo]) if lo >= 0 else 0.0


def _null(n: int, n_ranks: int, n_points: int | None) -> _EcdfNull:
    return _EcdfNull.build(n, n_ranks, n_points)


def ecdf_uniformity_pvalue(ranks, n_ranks: int, *, n_points: int | None = None) -> float:
    r"""Return the exact p-value of the simultaneous ECDF test that ``ranks`` are uniform.

    The test of Säilynoja, Bürkner and Vehtari (2022, Statistics and Computing
    32:32; their eqs. (3)-(4) and sec. 2.2): at K - 1 interior points
    :math:`z_k` the ECDF count :math:`S_k = n \hat F(z_k)` is
    :math:`\mathrm{Binomial}(n, z_k)` under uniformity; the statistic is the
    smallest pointwise two-sided tail probability
    :math:`T = \min_k 2 \min(P(S \le S_k), P(S \ge S_k))`, and the p-value is
    :math:`P(T \le T_{\text{obs}})` under uniformity, computed exactly by a
    recursion over the multinomial bin counts (no Monte Carlo). Rejecting when the
    p-value is at most :math:`\alpha` has a false-alarm rate of at most
    :math:`\alpha`, and is the same as the ECDF leaving the simultaneous band
    :func:`~pymc_symplectic.testing.sbc.ecdf_band` at level :math:`1 - \alpha`.

    Parameters
    ----------
    ranks
        Integer ranks in ``[0, n_ranks - 1]``, one per simulation.
    n_ranks
        Number of possible ranks, :math:`L + 1` for L posterior draws.
    n_points
        Number K of equally spaced points on the rank scale (K - 1 interior
        ones are tested); default ``min(n_ranks, max(len(ranks), 2))``.

    Returns
    -------
    float
        The p-value, in (0, 1].
    """
    n_ranks = _int_at_least("n_ranks", n_ranks, 2)
    ranks = _check_ranks(ranks, n_ranks)
    return _null(ranks.size, n_ranks, n_points).pvalue(ranks)


def ecdf_band(
    n: int, n_ranks: int, alpha: float = 0.05, *, n_points: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Simultaneous :math:`1 - \alpha` band for the ECDF of n uniform ranks.

    The band at each interior point :math:`z_k` is the set of counts whose
    pointwise tail probability exceeds the adjusted level :math:`\gamma`, the
    largest attainable value with :math:`P(T \le \gamma) \le \alpha` (see
    :func:`~pymc_symplectic.testing.sbc.ecdf_uniformity_pvalue`): the whole ECDF of
    uniform ranks stays inside with probability at least :math:`1 - \alpha` (Säilynoja, Bürkner and
    Vehtari 2022, sec. 2.2).

    Parameters
    ----------
    n
        Number of ranks (simulations).
    n_ranks
        Number of possible ranks, :math:`L + 1`.
    alpha
        Simultaneous false-alarm rate, in (0, 1).
    n_points
        As in :func:`~pymc_symplectic.testing.sbc.ecdf_uniformity_pvalue`.

    Returns
    -------
    z, lower, upper
        The points :math:`z_k` and the band of the ECDF value :math:`S_k / n` there
        (subtract ``z`` for the ECDF-difference plot).
    """
    n = _int_at_least("n", n, 1)
    n_ranks = _int_at_least("n_ranks", n_ranks, 2)
    alpha = _probability("alpha", alpha)
    null = _null(n, n_ranks, n_points)
    gamma = null.adjusted_level(alpha)
    inside = null.pointwise > gamma
    counts = np.arange(n + 1)
    lower = np.where(inside, counts, n + 1).min(axis=1) / n
    upper = np.where(inside, counts, -1).max(axis=1) / n
    return null.z, lower, upper


def chi2_uniformity_pvalue(ranks, n_ranks: int, *, n_bins: int | None = None) -> float:
    r"""Pearson chi-square p-value of binned ranks against the uniform distribution.

    The :math:`L + 1` rank values are split into ``n_bins`` contiguous bins of
    (nearly) equal width, as in the rank histograms of Talts et al. (2018, sec.
    4.1); the statistic :math:`\sum_b (O_b - E_b)^2 / E_b` is compared with
    :math:`\chi^2_{B - 1}`. An asymptotic test: use it with at least 5 expected
    ranks per bin, which the default ``n_bins = min(20, n_ranks, max(2, n // 5))``
    gives when there are at least 10 ranks.

    Parameters
    ----------
    ranks
        Integer ranks in ``[0, n_ranks - 1]``.
    n_ranks
        Number of possible ranks, :math:`L + 1`.
    n_bins
        Number of bins B, in ``[2, n_ranks]``.
    """
    n_ranks = _int_at_least("n_ranks", n_ranks, 2)
    ranks = _check_ranks(ranks, n_ranks)
    if n_bins is None:
        n_bins = min(20, n_ranks, max(2, ranks.size // 5))
    n_bins = _int_at_least("n_bins", n_bins, 2)
    if n_bins > n_ranks:
        raise ValueError(f"n_bins must be <= n_ranks = {n_ranks}, got {n_bins}.")
    edges = (np.arange(n_bins + 1) * n_ranks) // n_bins
    observed = np.histogram(ranks, bins=edges)[0]
    expected = ranks.size * np.diff(edges) / n_ranks
    return float(scipy.stats.chisquare(observed, expected).pvalue)


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SBCResult:
    r"""Ranks and diagnostics of one simulation-based calibration run.

    Only ``ranks`` and ``n_draws`` are needed to test and plot, so a result can
    also be built from ranks computed elsewhere (e.g. with
    :func:`~pymc_symplectic.testing.sbc.sbc_ranks`).

    Attributes
    ----------
    ranks
        Scalar parameter label (``"mu"``, ``"theta[2]"``) to its ranks, one per
        simulation, in ``[0, n_draws]``.
    n_draws
        Number L of (thinned) posterior draws each rank is computed among.
    thin
        Thinning: ``n_draws * thin`` draws were made, every ``thin``-th kept.
    tune
        Tuning (warm-up) iterations per simulation.
    prior_values
        Label to the prior draw of each simulation.
    divergences
        Post-tuning divergences of each simulation.
    ess
        Label to the bulk effective sample size (ArviZ) of each simulation's
        ``n_draws * thin`` unthinned draws; ``ess / n_draws`` at or above 1 means
        the kept draws are about as informative as independent ones.
    seeds
        The ``random_seed`` given to ``pm.sample`` in each simulation.
    seconds
        Wall-clock time of each simulation (setting data, sampling, ranking).
    step
        Name of the step method's class.
    """

    ranks: Mapping[str, np.ndarray]
    n_draws: int
    thin: int = 1
    tune: int = 0
    prior_values: Mapping[str, np.ndarray] = field(default_factory=dict)
    divergences: np.ndarray | None = None
    ess: Mapping[str, np.ndarray] = field(default_factory=dict)
    seeds: np.ndarray | None = None
    seconds: np.ndarray | None = None
    step: str = ""

    def __post_init__(self):
        n_draws = _int_at_least("n_draws", self.n_draws, 1)
        if not self.ranks:
            raise ValueError("ranks must map at least one parameter label to its ranks.")
        ranks = {
            str(k): _check_ranks(v, n_draws + 1, f"ranks[{k!r}]") for k, v in self.ranks.items()
        }
        sizes = {v.size for v in ranks.values()}
        if len(sizes) != 1:
            raise ValueError(f"every parameter needs one rank per simulation, got sizes {sizes}.")
        object.__setattr__(self, "ranks", ranks)

    @property
    def n_ranks(self) -> int:
        """Number of possible ranks, L + 1."""
        return self.n_draws + 1

    @property
    def n_simulations(self) -> int:
        """Number of simulations (ranks per parameter)."""
        return next(iter(self.ranks.values())).size

    @property
    def parameters(self) -> list[str]:
        """The scalar parameter labels, in order."""
        return list(self.ranks)

    @cached_property
    def _null(self) -> _EcdfNull:
        return _null(self.n_simulations, self.n_ranks, None)

    @cached_property
    def pvalues(self) -> dict[str, float]:
        """ECDF simultaneous-band test p-value per parameter.

        See :func:`~pymc_symplectic.testing.sbc.ecdf_uniformity_pvalue`.
        """
        null = self._null
        stats = np.array([null.statistic(r) for r in self.ranks.values()])
        return dict(zip(self.ranks, map(float, null.escape_probability(stats)), strict=True))

    def chi2_pvalues(self, n_bins: int | None = None) -> dict[str, float]:
        """Return the chi-square p-value per parameter on binned ranks.

        See :func:`~pymc_symplectic.testing.sbc.chi2_uniformity_pvalue`.
        """
        return {
            k: chi2_uniformity_pvalue(r, self.n_ranks, n_bins=n_bins) for k, r in self.ranks.items()
        }

    def level(self, alpha: float = 0.01, n_tests: int | None = None) -> float:
        r"""Return the Bonferroni level :math:`\alpha / m` each p-value is compared with.

        ``n_tests`` is m, the number of p-values the family-wide rate ``alpha``
        is shared by: default the parameters of this result; pass the total when
        several results are judged together.
        """
        alpha = _probability("alpha", alpha)
        if n_tests is None:
            n_tests = len(self.ranks)
        n_tests = _int_at_least("n_tests", n_tests, len(self.ranks))
        return alpha / n_tests

    def failed(self, alpha: float = 0.01, n_tests: int | None = None) -> list[str]:
        r"""Return the parameters whose ECDF test rejects uniformity, Bonferroni-corrected.

        A parameter fails when its p-value is at most :math:`\alpha / m` (see
        :meth:`level`), so a calibrated sampler fails any of the m tests with
        probability at most :math:`\alpha` (assuming independent draws after
        thinning).
        """
        limit = self.level(alpha, n_tests)
        return [k for k, p in self.pvalues.items() if p <= limit]

    def calibrated(self, alpha: float = 0.01, n_tests: int | None = None) -> bool:
        """Whether no parameter fails at family-wide rate ``alpha`` (see :meth:`failed`)."""
        return not self.failed(alpha, n_tests)

    @property
    def total_divergences(self) -> int:
        """Post-tuning divergences summed over all simulations (0 when not recorded)."""
        return 0 if self.divergences is None else int(np.sum(self.divergences))

    def summary(self, alpha: float = 0.01, n_tests: int | None = None) -> pd.DataFrame:
        """One row per parameter: test p-values, ESS per kept draw, and the verdict.

        Columns: ``ecdf_pvalue``, ``chi2_pvalue``, ``ess_per_kept_draw_median`` and
        ``ess_per_kept_draw_min`` (bulk ESS of the unthinned draws over ``n_draws``;
        NaN when not recorded) and ``calibrated`` at family-wide rate ``alpha``
        over ``n_tests`` tests (see :meth:`level`).
        """
        import pandas as pd

        failed = set(self.failed(alpha, n_tests))
        chi2 = self.chi2_pvalues()
        rows = []
        for k in self.ranks:
            ess = np.asarray(self.ess.get(k, [np.nan]), dtype=float) / self.n_draws
            rows.append(
                {
                    "parameter": k,
                    "ecdf_pvalue": self.pvalues[k],
                    "chi2_pvalue": chi2[k],
                    "ess_per_kept_draw_median": float(np.median(ess)),
                    "ess_per_kept_draw_min": float(np.min(ess)),
                    "calibrated": k not in failed,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def plot(self, alpha: float = 0.01, **kwargs) -> Figure:
        """Draw the ECDF-difference plot (:func:`~pymc_symplectic.testing.plot_ecdf_difference`)."""
        return plot_ecdf_difference(self, alpha=alpha, **kwargs)


# --------------------------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------------------------


def plot_ecdf_difference(
    result: SBCResult,
    *,
    alpha: float = 0.01,
    n_tests: int | None = None,
    parameters: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    r"""Plot :math:`\hat F(z) - z` of each parameter's ranks inside the simultaneous band.

    The fractional rank :math:`z` runs over (0, 1); a calibrated sampler's lines
    stay near 0. The grey band is the simultaneous band of
    :func:`~pymc_symplectic.testing.sbc.ecdf_band` at level :math:`1 - \alpha / m`
    (:meth:`~pymc_symplectic.testing.SBCResult.level`), so a line leaving it is exactly
    a failure of :meth:`~pymc_symplectic.testing.SBCResult.failed` at family-wide
    rate ``alpha``. A line above the band at small z means too many small ranks
    (the posterior sits above the truth), an S-shape (up, then down) a posterior
    too narrow, the mirror shape a posterior too wide (Säilynoja et al. 2022,
    fig. 3).

    Parameters
    ----------
    result
        The SBC result.
    alpha
        Family-wide false-alarm rate of the band, in (0, 1).
    n_tests
        Number m of tests sharing ``alpha``; default the parameters of ``result``.
    parameters
        Labels to draw (default all); the band keeps the Bonferroni factor of all.
    ax
        Matplotlib axes to draw on; default a new figure.
    title
        Axes title; default the numbers of simulations and ranks.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding ``ax``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(result, SBCResult):
        raise TypeError(f"result must be an SBCResult, got {type(result).__name__}.")
    level = result.level(alpha, n_tests)
    labels = list(result.ranks) if parameters is None else list(parameters)
    unknown = [k for k in labels if k not in result.ranks]
    if unknown:
        raise ValueError(f"parameters {unknown} are not in the result; it has {result.parameters}.")
    if ax is None:
        figure = Figure(figsize=(6.0, 4.0), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    n = result.n_simulations
    m = len(result.ranks) if n_tests is None else int(n_tests)
    z, lower, upper = ecdf_band(n, result.n_ranks, level)
    grid = np.concatenate([[0.0], z, [1.0]])
    ax.fill_between(
        grid,
        np.concatenate([[0.0], lower - z, [0.0]]),
        np.concatenate([[0.0], upper - z, [0.0]]),
        step=None,
        color="0.85",
        label=f"{1 - alpha:g} simultaneous band (over {m})",
    )
    null = result._null
    pvalues = result.pvalues
    for label in labels:
        ecdf = null.counts(result.ranks[label]) / n
        ax.plot(grid, np.concatenate([[0.0], ecdf - z, [0.0]]), lw=1.2, label=label)
        if pvalues[label] <= level:
            ax.plot([], [], " ", label=f"  {label} fails: p = {pvalues[label]:.2g}")
    ax.axhline(0.0, color="0.4", lw=0.6)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("fractional rank z")
    ax.set_ylabel("ECDF difference F(z) - z")
    ax.set_title(title if title is not None else f"{n} simulations, {result.n_ranks} ranks")
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return figure


# --------------------------------------------------------------------------------------------
# Reference models
# --------------------------------------------------------------------------------------------

#: Standard errors of the hierarchical normal model's groups (those of the eight-schools
#: data of Rubin 1981, divided by 3 so that the data inform the group effects).
HIERARCHICAL_SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]) / 3.0


def hierarchical_normal_model(n_groups: int = 6) -> pm.Model:
    r"""Build an eight-schools-like hierarchical normal model, non-centered, for SBC.

    .. math::

        \mu \sim N(0, 5^2), \quad \tau \sim \text{HalfNormal}(5), \quad
        \theta^{\text{raw}}_j \sim N(0, 1), \quad
        \theta_j = \mu + \tau \theta^{\text{raw}}_j, \quad
        y_j \sim N(\theta_j, \sigma_j^2),

    with the known :math:`\sigma_j` of
    :data:`~pymc_symplectic.testing.sbc.HIERARCHICAL_SIGMA` (the first
    ``n_groups``) and :math:`y` in ``pm.Data("y_obs")`` (zeros until set).
    Rank ``["mu", "tau", "theta"]``: :math:`2 + J` scalars.

    Parameters
    ----------
    n_groups
        Number of groups J, from 2 to 8.
    """
    import pymc as pm

    n_groups = _int_at_least("n_groups", n_groups, 2)
    if n_groups > HIERARCHICAL_SIGMA.size:
        raise ValueError(f"n_groups must be <= {HIERARCHICAL_SIGMA.size}, got {n_groups}.")
    with pm.Model(coords={"group": np.arange(n_groups)}) as model:
        y_obs = pm.Data("y_obs", np.zeros(n_groups), dims="group")
        mu = pm.Normal("mu", 0.0, 5.0)
        tau = pm.HalfNormal("tau", 5.0)
        theta_raw = pm.Normal("theta_raw", 0.0, 1.0, dims="group")
        theta = pm.Deterministic("theta", mu + tau * theta_raw, dims="group")
        pm.Normal("y", theta, HIERARCHICAL_SIGMA[:n_groups], observed=y_obs, dims="group")
    return model


def logistic_regression_model(n_obs: int = 30, n_predictors: int = 3, seed: int = 1804) -> pm.Model:
    r"""Build a logistic regression with standard normal priors, for SBC.

    .. math::

        \alpha \sim N(0, 1), \quad \beta_k \sim N(0, 1), \quad
        y_i \sim \text{Bernoulli}(\operatorname{logit}^{-1}(\alpha + x_i^T \beta)),

    with a fixed design :math:`x_{ik} \sim N(0, 1)` drawn once from ``seed`` (in
    ``pm.Data("x")``) and
    :math:`y` in ``pm.Data("y_obs")``. Rank ``["alpha", "beta"]``: ``1 + n_predictors``
    scalars.

    Parameters
    ----------
    n_obs
        Number of observations, >= 1.
    n_predictors
        Number of predictors, >= 1.
    seed
        Seed of the design matrix.
    """
    import pymc as pm

    n_obs = _int_at_least("n_obs", n_obs, 1)
    n_predictors = _int_at_least("n_predictors", n_predictors, 1)
    x = np.random.default_rng(seed).normal(size=(n_obs, n_predictors))
    with pm.Model(coords={"obs": np.arange(n_obs), "predictor": np.arange(n_predictors)}) as model:
        x = pm.Data("x", x, dims=("obs", "predictor"))
        y_obs = pm.Data("y_obs", np.zeros(n_obs, dtype=np.int64), dims="obs")
        alpha = pm.Normal("alpha", 0.0, 1.0)
        beta = pm.Normal("beta", 0.0, 1.0, dims="predictor")
        pm.Bernoulli("y", logit_p=alpha + pm.math.dot(x, beta), observed=y_obs, dims="obs")
    return model


#: The reference models of the SBC suite: name to (builder, parameters to rank).
SBC_MODELS: dict[str, tuple[Callable[[], pm.Model], tuple[str, ...]]] = {
    "hierarchical_normal": (hierarchical_normal_model, ("mu", "tau", "theta")),
    "logistic_regression": (logistic_regression_model, ("alpha", "beta")),
}

#: Thinning of each (step family, SBC model) with this package's default integrators
#: (bcss2 for SymplecticHMC/NUTS, leapfrog for the relativistic ones): ``ceil(1 / q)``, q
#: the 10% quantile over 20 simulations of the smallest bulk ESS per draw over the ranked
#: parameters (500 draws after 500 tuning steps): SymplecticHMC 0.079 / 0.186
#: (hierarchical / logistic), RelativisticHMC 0.042 / 0.151, SymplecticNUTS 0.239 / 0.656,
#: RelativisticNUTS 0.163 / 0.531. The kept draws are then about as informative as
#: independent ones in 90% of the simulations.
SBC_THIN: dict[tuple[str, str], int] = {
    ("SymplecticHMC", "hierarchical_normal"): 13,
    ("SymplecticHMC", "logistic_regression"): 6,
    ("RelativisticHMC", "hierarchical_normal"): 24,
    ("RelativisticHMC", "logistic_regression"): 7,
    ("SymplecticNUTS", "hierarchical_normal"): 5,
    ("SymplecticNUTS", "logistic_regression"): 2,
    ("RelativisticNUTS", "hierarchical_normal"): 7,
    ("RelativisticNUTS", "logistic_regression"): 2,
}


# --------------------------------------------------------------------------------------------
# The simulation loop
# --------------------------------------------------------------------------------------------


def _scalar_labels(name: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [name]
    return [f"{name}[{', '.join(map(str, idx))}]" for idx in np.ndindex(shape)]


def _data_container(model: pm.Model, value):
    """Return the ``pm.Data`` container behind an observed variable's value (through casts)."""
    from pytensor.scalar import Cast
    from pytensor.tensor.elemwise import Elemwise

    containers = {id(v): v for v in model.data_vars}
    while id(value) not in containers:
        node = value.owner
        if node is None or not (
            isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, Cast)
        ):
            return None
        value = node.inputs[0]
    return value


def _observed_containers(model: pm.Model) -> dict[str, Any]:
    """Map every observed variable's name to its ``pm.Data`` container."""
    if not model.observed_RVs:
        raise ValueError(
            "model has no observed variables: SBC needs data to condition on; give the "
            "likelihood observed=pm.Data(...)."
        )
    out = {}
    for rv in model.observed_RVs:
        container = _data_container(model, model.rvs_to_values[rv])
        if container is None:
            raise ValueError(
                f"the observed variable {rv.name!r} must be given as observed=pm.Data(...), so "
                "that the harness can set each simulation's data with pm.set_data."
            )
        out[rv.name] = container
    return out


def _default_var_names(model: pm.Model) -> list[str]:
    return [rv.name for rv in model.free_RVs]


def _check_var_names(model: pm.Model, var_names) -> list[str]:
    if var_names is None:
        return _default_var_names(model)
    if isinstance(var_names, str) or not isinstance(var_names, Sequence) or not var_names:
        raise ValueError(f"var_names must be a non-empty list of names, got {var_names!r}.")
    allowed = [v.name for v in model.free_RVs] + [v.name for v in model.deterministics]
    unknown = [name for name in var_names if name not in allowed]
    if unknown:
        raise ValueError(
            f"var_names {unknown} are not free or deterministic variables of the model; "
            f"choose from {allowed}."
        )
    discrete = [name for name in var_names if not model[name].dtype.startswith("float")]
    if discrete:
        raise ValueError(
            f"var_names {discrete} are discrete: their ranks have ties and are not uniform; "
            "rank continuous variables only."
        )
    return list(var_names)


def _prior_simulations(model, var_names, containers, n, seed: np.random.SeedSequence):
    """Draw n (parameters, data) pairs from the model's prior predictive, in one call."""
    import pymc as pm

    draws = pm.sample_prior_predictive(
        draws=n,
        model=model,
        var_names=list(var_names) + list(containers),
        random_seed=int(seed.generate_state(1)[0]),
    )
    params = {k: np.asarray(draws.prior[k].values[0]) for k in var_names}
    data = {k: np.asarray(draws.prior_predictive[k].values[0]) for k in containers}
    return [
        ({k: v[i] for k, v in params.items()}, {k: v[i] for k, v in data.items()}) for i in range(n)
    ]


def _set_data(model, containers, data: Mapping[str, Any], index: int) -> None:
    import pymc as pm

    names = {name: c.name for name, c in containers.items()}
    by_container = {c.name: c for c in containers.values()}
    values = {}
    for key, value in data.items():
        target = names.get(key, key)
        if target not in by_container:
            raise ValueError(
                f"simulation {index}: data key {key!r} is neither an observed variable nor its "
                f"pm.Data container; expected keys {sorted(names)} or {sorted(by_container)}."
            )
        value = np.asarray(value)
        dtype = np.dtype(by_container[target].dtype)
        if not np.can_cast(value.dtype, dtype, casting="same_kind"):
            raise ValueError(
                f"simulation {index}: data {key!r} has dtype {value.dtype}, which the container "
                f"{target!r} of dtype {dtype} can not hold."
            )
        values[target] = value.astype(dtype)
    missing = sorted(set(by_container) - set(values))
    if missing:
        raise ValueError(f"simulation {index}: the simulator gave no data for {missing}.")
    pm.set_data(values, model=model)


def simulation_based_calibration(
    model: pm.Model,
    step_factory: Callable[[pm.Model], Any],
    n_simulations: int,
    *,
    n_draws: int = 99,
    thin: int = 5,
    tune: int = 500,
    var_names: Sequence[str] | None = None,
    seed: int | np.random.SeedSequence = 0,
    simulator: Callable[[np.random.Generator], tuple[Mapping, Mapping]] | None = None,
    rebuild_step: bool = False,
    sample_kwargs: Mapping[str, Any] | None = None,
) -> SBCResult:
    r"""Run simulation-based calibration (Talts et al. 2018) of a step method on a model.

    For each simulation :math:`i`: draw parameters :math:`\tilde\theta \sim p(\theta)`
    and data :math:`\tilde y \sim p(y \mid \tilde\theta)`, set the data, run one chain
    of ``tune`` tuning and ``n_draws * thin`` draws, keep every ``thin``-th draw
    (L = ``n_draws`` of them), and record the rank of each scalar of
    :math:`\tilde\theta` among them (:func:`~pymc_symplectic.testing.sbc.sbc_ranks`). A
    sampler that draws from the exact posterior gives uniform ranks on
    :math:`\{0, \dots, L\}` (Talts et al. 2018, arXiv:1804.06788, Theorem 1 and
    Algorithm 2); the result tests it
    (:attr:`~pymc_symplectic.testing.SBCResult.pvalues`,
    :meth:`~pymc_symplectic.testing.SBCResult.failed`) and plots it
    (:func:`~pymc_symplectic.testing.plot_ecdf_difference`).

    Parameters
    ----------
    model
        The model; every observed variable must be ``observed=pm.Data(...)``, so
        that one compiled model serves all simulations through ``pm.set_data``.
        Its data are restored at the end.
    step_factory
        Callable ``model -> step`` building the step method to test, e.g.
        ``lambda m: SymplecticNUTS(integrator="bcss2", model=m)``; it is called
        inside the model's context.
    n_simulations
        Number of simulations (ranks per parameter), an integer >= 1.
    n_draws
        Number L of kept posterior draws; ranks take L + 1 values.
    thin
        Keep every ``thin``-th of ``n_draws * thin`` draws. Choose it so that the
        kept draws are nearly independent: ``thin`` at least the number of draws
        per effective draw (draws / bulk ESS). Autocorrelated kept draws make the
        ranks pile up at both ends and the test fail. :attr:`~pymc_symplectic.testing.SBCResult.ess`
        records the ESS of each simulation to check the choice.
    tune
        Tuning iterations per simulation (discarded).
    var_names
        Free or deterministic variables to rank (every scalar of each); default
        all free variables.
    seed
        Root of all randomness: ``numpy.random.SeedSequence(seed)`` spawns one
        child for the prior draws and one per simulation, which gives that
        simulation's ``pm.sample`` seed (and the generator of ``simulator``), so a
        run is reproducible and simulation i does not depend on the others' seeds.
    simulator
        Optional ``rng -> (parameters, data)`` replacing the draw from the model's
        prior predictive: ``parameters`` maps each of ``var_names`` to its value,
        ``data`` maps each observed variable (or its ``pm.Data`` name) to
        simulated data. Use it to check a model against an independent simulator.
    rebuild_step
        If False (default), build one step and restore its initial sampling state
        (``step.sampling_state``, as PyMC does between chains) before every
        simulation; if True, call ``step_factory`` in every simulation. Both give
        identical draws; reusing saves the compilation of the log density.
    sample_kwargs
        Further ``pm.sample`` arguments (not ``step``, ``draws``, ``tune``,
        ``chains``, ``random_seed``, ``model``). Defaults set here:
        ``chains=1``, ``cores=1``, ``progressbar=False``,
        ``compute_convergence_checks=False``.

    Returns
    -------
    SBCResult
        Ranks, divergences, ESS, seeds and timings of every simulation.

    Examples
    --------
    >>> import numpy as np
    >>> import pymc as pm
    >>> from pymc_symplectic import SymplecticNUTS
    >>> with pm.Model() as model:
    ...     y_obs = pm.Data("y_obs", np.zeros(5))
    ...     mu = pm.Normal("mu", 0.0, 1.0)
    ...     pm.Normal("y", mu, 1.0, observed=y_obs)
    >>> result = simulation_based_calibration(  # doctest: +SKIP
    ...     model, lambda m: SymplecticNUTS(model=m), n_simulations=100, n_draws=49, thin=2
    ... )
    >>> result.pvalues, result.failed(alpha=0.01)  # doctest: +SKIP
    """
    import arviz as az
    import pymc as pm

    if not isinstance(model, pm.Model):
        raise TypeError(f"model must be a pymc.Model, got {type(model).__name__}.")
    if not callable(step_factory):
        raise TypeError(
            f"step_factory must be a callable model -> step, got {type(step_factory).__name__}."
        )
    n_simulations = _int_at_least("n_simulations", n_simulations, 1)
    n_draws = _int_at_least("n_draws", n_draws, 1)
    thin = _int_at_least("thin", thin, 1)
    tune = _int_at_least("tune", tune, 0)
    if not isinstance(rebuild_step, bool):
        raise TypeError(f"rebuild_step must be True or False, got {rebuild_step!r}.")
    if simulator is not None and not callable(simulator):
        raise TypeError(
            f"simulator must be a callable rng -> (parameters, data) or None, got {simulator!r}."
        )
    if isinstance(seed, np.random.SeedSequence):
        root = seed
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        root = np.random.SeedSequence(int(seed))
    else:
        raise ValueError(
            f"seed must be a non-negative integer or a numpy.random.SeedSequence, got {seed!r}."
        )
    kwargs = {
        "chains": 1,
        "cores": 1,
        "progressbar": False,
        "compute_convergence_checks": False,
    }
    if sample_kwargs is not None:
        if not isinstance(sample_kwargs, Mapping):
            raise TypeError(f"sample_kwargs must be a mapping, got {type(sample_kwargs).__name__}.")
        reserved = sorted(_RESERVED_SAMPLE_KWARGS & set(sample_kwargs))
        if reserved:
            raise ValueError(
                f"sample_kwargs may not set {reserved}: the harness sets them (use n_draws, "
                "thin, tune, seed and step_factory)."
            )
        kwargs.update(sample_kwargs)

    containers = _observed_containers(model)
    var_names = _check_var_names(model, var_names)
    prior_seed, *simulation_seeds = root.spawn(n_simulations + 1)
    if simulator is None:
        simulations = _prior_simulations(model, var_names, containers, n_simulations, prior_seed)
    saved = {c.name: c.get_value() for c in containers.values()}

    ranks: dict[str, list[int]] = {}
    prior_values: dict[str, list[float]] = {}
    ess: dict[str, list[float]] = {}
    divergences, seeds, seconds = [], [], []
    step = None
    fresh_state = None
    try:
        for i, child in enumerate(simulation_seeds):
            start = time.perf_counter()
            simulator_seed, sampler_seed = child.spawn(2)
            if simulator is None:
                params, data = simulations[i]
            else:
                params, data = simulator(np.random.default_rng(simulator_seed))
                missing = [k for k in var_names if k not in params]
                if missing:
                    raise ValueError(f"simulation {i}: the simulator gave no value for {missing}.")
            _set_data(model, containers, data, i)
            random_seed = int(sampler_seed.generate_state(1)[0])
            with model:
                if step is None or rebuild_step:
                    step = step_factory(model)
                    if not rebuild_step:
                        if not hasattr(step, "sampling_state"):
                            raise TypeError(
                                "step_factory must return a PyMC step method (with a "
                                f"sampling_state); got {type(step).__name__}."
                            )
                        fresh_state = step.sampling_state
                else:
                    step.sampling_state = fresh_state
                try:
                    idata = pm.sample(
                        draws=n_draws * thin,
                        tune=tune,
                        step=step,
                        random_seed=random_seed,
                        **kwargs,
                    )
                except Exception as err:
                    err.add_note(f"in SBC simulation {i} (pm.sample random_seed={random_seed}).")
                    raise
            for name in var_names:
                truth = np.asarray(params[name], dtype=float)
                draws = np.asarray(idata.posterior[name].values[0], dtype=float)
                if draws.shape[1:] != truth.shape:
                    raise ValueError(
                        f"simulation {i}: the value of {name!r} has shape {truth.shape}, the "
                        f"posterior draws {draws.shape[1:]}."
                    )
                flat_draws = draws.reshape(draws.shape[0], -1)
                kept = flat_draws[thin - 1 :: thin]  # every thin-th draw: L of them
                draw_ess = np.atleast_1d(az.ess(flat_draws[None], method="bulk"))
                for j, label in enumerate(_scalar_labels(name, truth.shape)):
                    value = float(truth.reshape(-1)[j])
                    ranks.setdefault(label, []).append(int(np.sum(kept[:, j] < value)))
                    prior_values.setdefault(label, []).append(value)
                    ess.setdefault(label, []).append(float(draw_ess[j]))
            stats = idata.sample_stats
            diverging = stats["diverging"].values if "diverging" in stats else np.zeros(1)
            divergences.append(int(np.sum(diverging)))
            seeds.append(random_seed)
            seconds.append(time.perf_counter() - start)
            _log.info(
                "SBC simulation %d/%d: %d divergences, %.2f s",
                i + 1,
                n_simulations,
                divergences[-1],
                seconds[-1],
            )
    finally:
        pm.set_data(saved, model=model)

    return SBCResult(
        ranks={k: np.array(v) for k, v in ranks.items()},
        n_draws=n_draws,
        thin=thin,
        tune=tune,
        prior_values={k: np.array(v) for k, v in prior_values.items()},
        divergences=np.array(divergences),
        ess={k: np.array(v) for k, v in ess.items()},
        seeds=np.array(seeds, dtype=np.uint64),
        seconds=np.array(seconds),
        step=type(step).__name__,
    )
