"""Monte Carlo standard error checks of sampler output against known expectations."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.stats

__all__ = [
    "ExpectationCheck",
    "assert_within_mcse",
    "bonferroni_z",
    "expectation_check",
    "moment_checks",
]


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_z(z) -> float:
    if not _is_real(z) or not math.isfinite(z) or z <= 0:
        raise ValueError(f"z must be a positive finite number (e.g. bonferroni_z(...)), got {z!r}.")
    return float(z)


def _check_finite(name: str, value) -> float:
    if not _is_real(value) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return float(value)


@dataclass(frozen=True)
class ExpectationCheck:
    r"""One comparison of a Monte Carlo estimate with the exact expectation.

    Attributes
    ----------
    name
        What is estimated, e.g. ``"mean of x[3]"``.
    estimate
        The sample mean :math:`\hat\mu` of the functional over all chains and draws.
    truth
        The exact expectation :math:`\mu`.
    mcse
        The Monte Carlo standard error of :math:`\hat\mu`, from ArviZ's
        ESS-based estimator (``arviz.mcse(method="mean")``).
    """

    name: str
    estimate: float
    truth: float
    mcse: float

    @property
    def zscore(self) -> float:
        r"""Return :math:`(\hat\mu - \mu) / \mathrm{MCSE}` (``inf`` or ``nan`` for a zero MCSE)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(self.estimate - self.truth) / np.float64(self.mcse))

    def passes(self, z: float) -> bool:
        """Whether ``|zscore| <= z`` (a non-finite estimate or MCSE fails).

        Raises
        ------
        ValueError
            If ``z`` is not a positive finite number.
        """
        z = _check_z(z)
        zscore = self.zscore
        return bool(np.isfinite(zscore) and abs(zscore) <= z)


def bonferroni_z(n_comparisons: int, family_false_alarm: float = 0.01) -> float:
    r"""Return the two-sided threshold z giving a family-wide false-alarm rate.

    With :math:`m` comparisons, each :math:`|\hat\mu - \mu| / \mathrm{MCSE} \le z`
    with :math:`z = \Phi^{-1}(1 - \alpha / (2m))` makes the probability that any of
    them fails by chance at most :math:`\alpha` (Bonferroni's inequality), when each
    ratio is approximately standard normal (Markov-chain central limit theorem).
    """
    if (
        not isinstance(n_comparisons, numbers.Integral)
        or isinstance(n_comparisons, bool)
        or n_comparisons < 1
    ):
        raise ValueError(f"n_comparisons must be an integer >= 1, got {n_comparisons!r}.")
    if not _is_real(family_false_alarm) or not 0 < family_false_alarm < 1:
        raise ValueError(f"family_false_alarm must lie in (0, 1), got {family_false_alarm!r}.")
    return float(scipy.stats.norm.isf(family_false_alarm / (2 * int(n_comparisons))))


def _as_chains(values, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a numeric array shaped (chain, draw, ...), got {values!r}."
        ) from None
    if array.ndim < 2 or array.shape[0] < 1 or array.shape[1] < 4:
        raise ValueError(
            f"{name} must be shaped (chain, draw, ...) with at least 4 draws, got {array.shape}."
        )
    return array


def _mcse_mean(values: np.ndarray) -> np.ndarray:
    import arviz as az  # imported here: importing the testing harness stays light

    return np.asarray(az.mcse(values, method="mean"), dtype=float)


def expectation_check(values, truth: float, name: str) -> ExpectationCheck:
    r"""Compare the mean of ``values`` (a functional evaluated at each draw) with ``truth``.

    Parameters
    ----------
    values
        Array shaped ``(chain, draw)`` of :math:`f(x)` at each draw, e.g. an
        indicator :math:`1\{|x| < 1\}` for a probability.
    truth
        The exact :math:`E[f(x)]`.
    name
        Label used in failure messages.

    Raises
    ------
    ValueError
        If ``values`` is not a numeric ``(chain, draw)`` array with at least 4 draws,
        ``truth`` not a finite number or ``name`` not a string.
    """
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, got {name!r}.")
    truth = _check_finite("truth", truth)
    values = _as_chains(values, f"values of {name!r}")
    if values.ndim != 2:
        raise ValueError(f"values must be shaped (chain, draw), got {values.shape}.")
    return ExpectationCheck(name, float(values.mean()), truth, float(_mcse_mean(values)))


def moment_checks(samples, true_mean, true_var=None, name: str = "x") -> list[ExpectationCheck]:
    r"""Compare the posterior mean (and variance) of every coordinate with the truth.

    The mean is checked with ArviZ's MCSE of the mean. The variance is checked as
    the mean of :math:`f(x) = (x - \mu)^2`, whose expectation is the variance
    because the true mean :math:`\mu` is known, so its MCSE is again the MCSE of a
    mean (finite when :math:`E[x^4] < \infty`).

    Parameters
    ----------
    samples
        Draws shaped ``(chain, draw, *shape)``.
    true_mean
        Exact mean, broadcastable to ``shape``.
    true_var
        Exact variance, broadcastable to ``shape``; ``None`` skips the variance checks.
    name
        Variable name used in the labels.

    Returns
    -------
    list of ExpectationCheck
        One per coordinate for the mean, then one per coordinate for the variance.

    Raises
    ------
    ValueError
        If ``samples`` is not a numeric ``(chain, draw, ...)`` array with at least 4
        draws, ``true_mean`` or ``true_var`` does not broadcast to its shape or is
        not finite (``true_var`` also >= 0), or ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, got {name!r}.")
    samples = _as_chains(samples, f"samples of {name!r}")
    shape = samples.shape[2:]
    flat = samples.reshape(samples.shape[:2] + (-1,))
    mean = _expected("true_mean", true_mean, shape)
    labels = [
        name if not shape else f"{name}[{', '.join(map(str, idx))}]" for idx in np.ndindex(shape)
    ]
    checks = []
    mcse = np.atleast_1d(_mcse_mean(flat))
    for i, label in enumerate(labels):
        estimate = float(flat[:, :, i].mean())
        checks.append(ExpectationCheck(f"mean of {label}", estimate, float(mean[i]), mcse[i]))
    if true_var is not None:
        var = _expected("true_var", true_var, shape)
        if np.any(var < 0):
            raise ValueError(f"true_var must be >= 0, got {true_var!r}.")
        squared = (flat - mean) ** 2
        mcse = np.atleast_1d(_mcse_mean(squared))
        for i, label in enumerate(labels):
            estimate = float(squared[:, :, i].mean())
            label = f"variance of {label}"
            checks.append(ExpectationCheck(label, estimate, float(var[i]), mcse[i]))
    return checks


def _expected(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``value`` broadcast to ``shape`` and raveled, naming ``name`` when it can not be."""
    try:
        array = np.broadcast_to(np.asarray(value, dtype=float), shape).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be numbers broadcastable to the variable's shape {shape}, got {value!r}."
        ) from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    return array


def assert_within_mcse(checks: Sequence[ExpectationCheck], z: float) -> None:
    """Raise ``AssertionError`` listing every check with ``|estimate - truth| > z * MCSE``.

    Parameters
    ----------
    checks
        Comparisons from :func:`moment_checks` and :func:`expectation_check`.
    z
        Threshold, e.g. from :func:`bonferroni_z` for a stated family-wide false-alarm rate.

    Raises
    ------
    AssertionError
        If any check fails.
    TypeError
        If ``checks`` is not a sequence of :class:`ExpectationCheck`.
    ValueError
        If ``z`` is not a positive finite number.
    """
    z = _check_z(z)
    if not isinstance(checks, Sequence) or not all(isinstance(c, ExpectationCheck) for c in checks):
        raise TypeError(
            f"checks must be a sequence of ExpectationCheck (from moment_checks), got {checks!r}."
        )
    failed = [c for c in checks if not c.passes(z)]
    if failed:
        lines = [
            f"  {c.name}: estimate {c.estimate:.5g}, truth {c.truth:.5g}, MCSE {c.mcse:.3g}, "
            f"|z| = {abs(c.zscore):.2f}"
            for c in failed
        ]
        raise AssertionError(
            f"{len(failed)} of {len(checks)} expectations differ from the truth by more than "
            f"{z:.3f} Monte Carlo standard errors:\n" + "\n".join(lines)
        )
