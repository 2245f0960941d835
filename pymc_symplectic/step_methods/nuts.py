"""SymplecticNUTS: PyMC's No-U-Turn sampler run with any symplectic, reversible integrator."""

from __future__ import annotations

import numbers
from dataclasses import field
from typing import Any

import numpy as np
from rich.progress import TextColumn
from rich.table import Column

from pymc_symplectic._checks import check_positive
from pymc_symplectic._pymc_compat import (
    NUTS,
    NUTSState,
    QuadPotential,
    RaveledVars,
    dataclass_state,
)
from pymc_symplectic.integrators.base import Integrator
from pymc_symplectic.kinetic.base import KineticEnergy
from pymc_symplectic.step_methods._common import (
    CheckedModel,
    attach_integrator,
    default_target_accept,
    initial_step_ratio,
    prepare_hamiltonian,
    resolve_hmc_integrator,
    validate_common,
    validate_dual_averaging,
    validate_target_accept,
)

__all__ = ["SymplecticNUTS", "SymplecticNUTSState", "default_nuts_target_accept"]

#: PyMC's and Stan's default NUTS target for leapfrog.
NUTS_TARGET_ACCEPT = 0.8


def default_nuts_target_accept(order: int) -> float:
    r"""Return the default NUTS ``target_accept`` for an integrator of ``order``.

    :math:`\max(0.8, a^*_r)`, with :math:`a^*_r` the asymptotically optimal HMC
    acceptance rate for order :math:`r` of Beskos et al. (2013),
    :func:`~pymc_symplectic.step_methods.hmc.default_target_accept`: 0.8 for
    orders 2 and 4 (:math:`a^*_2 = 0.65`, :math:`a^*_4 = 0.80`), 0.86 for order 6,
    0.89 for order 8.

    NUTS's adaptation statistic is the mean of :math:`\min(1, e^{-\Delta H})`
    over the whole tree (Hoffman & Gelman 2014, JMLR 15, sec. 3.2), not one
    Metropolis probability, so the HMC optimum does not transfer as a number.
    PyMC and Stan default to 0.8 for leapfrog, above its HMC optimum 0.65,
    trading a smaller step for fewer divergences. We keep that default, so
    leapfrog behaves exactly as ``pm.NUTS``, and never target below the HMC
    optimum of the scheme's order, which exceeds 0.8 from order 6 on.
    """
    return max(NUTS_TARGET_ACCEPT, default_target_accept(order))


@dataclass_state
class SymplecticNUTSState(NUTSState):
    """Sampling state of :class:`SymplecticNUTS`: PyMC's NUTS state and its frozen configuration."""

    integrator_name: str = field(metadata={"frozen": True})
    kinetic_name: str = field(metadata={"frozen": True})
    metric: str = field(metadata={"frozen": True})


def _tree_depth(name: str, value) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    return int(value)


class SymplecticNUTS(CheckedModel, NUTS):
    r"""The No-U-Turn sampler with any symplectic, reversible integrator.

    PyMC's ``NUTS`` (multinomial NUTS with the generalised U-turn criterion,
    Betancourt 2017, "A conceptual introduction to Hamiltonian Monte Carlo",
    arXiv:1701.02434, sec. A.4) with its leapfrog replaced, through the
    ``integrator`` seam, by an
    :class:`~pymc_symplectic.integrators.Integrator` of this package. Each tree
    leaf is one step of the scheme, so a tree of ``n_steps`` leaves costs
    ``n_steps`` times the scheme's gradient evaluations per step
    (``n_grad_evals`` counts them).

    Parameters
    ----------
    vars
        Value variables to sample; default: all continuous ones of the model.
    integrator
        Registered name (see :func:`pymc_symplectic.integrators.available`) or an
        :class:`~pymc_symplectic.integrators.Integrator`; it must be symplectic and
        symmetric (``hmc_valid``).
    kinetic
        ``"gaussian"``: :math:`K = p^T M^{-1} p / 2` on PyMC's adaptive mass
        matrix; or any :class:`~pymc_symplectic.kinetic.KineticEnergy` object
        (fixed mass matrix, used as given: its ``sample`` must draw exactly from
        exp(-K); a missing method is a ``TypeError``). The relativistic kinetic
        energy with adaptation is :class:`~pymc_symplectic.step_methods.RelativisticNUTS`.
    metric
        ``"diag"`` (PyMC's ``QuadPotentialDiagAdapt``, as its NUTS sets it up) or
        ``"dense"`` (``QuadPotentialFullAdapt``). Ignored when ``scaling`` or
        ``potential`` is given.
    max_treedepth
        Maximum tree depth: at most :math:`2^{\text{max\_treedepth}} - 1` steps
        per draw (PyMC's default 10).
    early_max_treedepth
        Maximum tree depth during the first 200 tuning draws (PyMC's default 8).
    target_accept
        Target of dual averaging for NUTS's mean tree acceptance statistic, in
        (0, 1). Default :func:`default_nuts_target_accept`: 0.8 (PyMC's) for
        orders 2 and 4, 0.86 for order 6, 0.89 for order 8.
    step_scale
        Initial step size before scaling:
        :math:`h_0 = \text{step\_scale} / d^{1/4} \times h^*/h^*_{\text{leapfrog}}`,
        PyMC's rule times the ratio of the scheme's linear stability limit to
        leapfrog's (:func:`~pymc_symplectic.step_methods.hmc.initial_step_ratio`),
        as in :class:`~pymc_symplectic.step_methods.SymplecticHMC`.
    scaling, is_cov
        A fixed mass matrix, as in PyMC; can not be combined with ``potential``.
    potential
        A PyMC ``QuadPotential`` to use as is.
    adapt_step_size
        Whether to tune the step size by dual averaging during tuning.
    Emax
        A leaf whose energy change :math:`H - H_0` reaches ``Emax`` is a divergence.
    gamma, k, t0
        Dual-averaging parameters, as in PyMC.
    model, blocked, rng, initial_point, dtype
        As for every PyMC step method.
    compile_kwargs
        Passed to PyMC's compilation of the log density and its gradient (e.g.
        ``{"mode": "NUMBA"}``); ``pm.sample(compile_kwargs=...)`` does not reach a
        step built by the user.

    Notes
    -----
    **Why PyMC's tree building can be reused.** PyMC's ``_Tree`` touches the
    dynamics only through ``integrator.step(±h, state)`` and the fields of the
    returned ``State``: ``p`` (summed into :math:`\rho = \sum_i p_i`), ``v``
    (the U-turn test), ``energy`` (the multinomial weights
    :math:`e^{-(H_i - H_0)}`, the acceptance statistic
    :math:`\min(1, e^{-(H_i - H_0)})` and the ``Emax`` divergence check), and
    ``q``, ``q_grad``, ``model_logp``, ``index_in_trajectory``, which it only
    carries. ``BaseHMC.astep`` adds ``potential.random()`` (the momentum draw),
    ``integrator.compute_state`` and ``potential.update(q, grad)`` (mass-matrix
    adaptation from positions and gradients). No line of ``nuts.py`` or
    ``base_hmc.py`` computes a kinetic energy as :math:`p \cdot v / 2` or
    otherwise assumes a quadratic :math:`K` (checked against PyMC 6.4).
    Our adapter returns :math:`v = \partial K/\partial p` and
    :math:`H = K(p) - \log \pi(q)` from the kinetic energy itself, so:

    - the U-turn criterion ``p_sum . v <= 0`` at both ends of every subtree
      (and PyMC's extra checks across subtree boundaries) is the generalised
      criterion :math:`\rho \cdot p^\sharp_\pm \le 0` with
      :math:`p^\sharp = \partial K/\partial p` (Betancourt 2017, sec. A.4.2),
      valid for any kinetic energy;
    - multinomial sampling from the trajectory with weights :math:`e^{-H_i}`
      leaves the canonical distribution invariant for any map that preserves
      volume and whose backward step (:math:`-h`) is the inverse of the forward
      one (Betancourt 2017, sec. A.3): exactly the symplectic, symmetric
      schemes this class accepts.

    **Statistics** (PyMC's NUTS, named as in the DataTree): ``acceptance_rate``
    (PyMC's ``mean_tree_accept``), ``tree_depth`` (``depth``), ``n_steps``
    (``tree_size``: integrator steps taken, i.e. tree leaves, a diverging
    one included), ``lp`` (``model_logp``), ``diverging``, ``divergences``,
    ``energy``, ``energy_error``, ``max_energy_error``, ``step_size``,
    ``step_size_bar``, ``index_in_trajectory``, ``reached_max_treedepth``,
    timings and eigenvalue stats; plus ``n_grad_evals``: log-density-and-gradient
    evaluations made in the draw, counted by the adapter (the start point's
    included), which is ``n_steps + 1`` for leapfrog and
    :math:`s \cdot` ``n_steps`` ``+ 1`` for a scheme with :math:`s` evaluations
    per step.

    Examples
    --------
    >>> import pymc as pm
    >>> from pymc_symplectic.step_methods import SymplecticNUTS
    >>> with pm.Model():
    ...     x = pm.Normal("x", shape=3)
    ...     idata = pm.sample(step=SymplecticNUTS(integrator="bcss2"))  # doctest: +SKIP
    """

    name = "symplectic_nuts"
    default_blocked = True
    _state_class = SymplecticNUTSState

    stats_dtypes_shapes = {
        **NUTS.stats_dtypes_shapes,
        "n_grad_evals": (np.int64, []),
    }

    def __init__(
        self,
        vars=None,
        *,
        integrator: str | Integrator = "leapfrog",
        kinetic: str | KineticEnergy = "gaussian",
        metric: str = "diag",
        max_treedepth: int = 10,
        early_max_treedepth: int = 8,
        target_accept: float | None = None,
        step_scale: float = 0.25,
        scaling=None,
        is_cov: bool = False,
        potential: QuadPotential | None = None,
        adapt_step_size: bool = True,
        Emax: float = 1000.0,
        gamma: float = 0.05,
        k: float = 0.75,
        t0: float = 10,
        model=None,
        blocked: bool = True,
        rng=None,
        compile_kwargs: dict[str, Any] | None = None,
        initial_point=None,
        dtype=None,
    ):
        method = resolve_hmc_integrator(integrator)
        validate_common(
            kinetic=kinetic,
            metric=metric,
            compile_kwargs=compile_kwargs,
            scaling=scaling,
            potential=potential,
            adapt_step_size=adapt_step_size,
            is_cov=is_cov,
            blocked=blocked,
        )
        max_treedepth = _tree_depth("max_treedepth", max_treedepth)
        early_max_treedepth = _tree_depth("early_max_treedepth", early_max_treedepth)
        step_scale = check_positive("step_scale", step_scale)
        Emax = check_positive("Emax", Emax)
        if target_accept is None:
            target_accept = default_nuts_target_accept(method.order)
        else:
            target_accept = validate_target_accept(target_accept)

        validate_dual_averaging(gamma, k, t0)
        parts = prepare_hamiltonian(
            "SymplecticNUTS",
            kinetic=kinetic,
            metric=metric,
            vars=vars,
            model=model,
            initial_point=initial_point,
            dtype=dtype,
            rng=rng,
            scaling=scaling,
            is_cov=is_cov,
            potential=potential,
        )
        self.stability_ratio = initial_step_ratio(method)
        super().__init__(
            parts.vars,
            max_treedepth=max_treedepth,
            early_max_treedepth=early_max_treedepth,
            step_scale=step_scale * self.stability_ratio,
            potential=parts.potential,
            model=parts.model,
            blocked=blocked,
            dtype=parts.dtype,
            Emax=Emax,
            target_accept=target_accept,
            gamma=gamma,
            k=k,
            t0=t0,
            adapt_step_size=adapt_step_size,
            rng=parts.rng,
            initial_point=initial_point,
            compile_kwargs=compile_kwargs,
        )
        attach_integrator(self, method, kinetic, metric, parts)
        self.step_scale = step_scale

    def astep(self, q0: RaveledVars):
        """Perform one NUTS draw; see the class docstring for the statistics."""
        self.integrator.reset_count()
        q, stats = super().astep(q0)
        stats[0]["n_grad_evals"] = self.integrator.n_grad_evals
        return q, stats

    @staticmethod
    def _progressbar_config(n_chains=1):
        columns = [
            TextColumn("{task.fields[divergences]}", table_column=Column("Divergences", ratio=1)),
            TextColumn("{task.fields[step_size]:0.3f}", table_column=Column("Step size", ratio=1)),
            TextColumn("{task.fields[n_grad_evals]}", table_column=Column("Grad evals", ratio=1)),
        ]
        stats = {
            "divergences": [0] * n_chains,
            "step_size": [0] * n_chains,
            "n_grad_evals": [0] * n_chains,
        }
        return columns, stats

    @staticmethod
    def _make_progressbar_update_functions():
        def update_stats(stats):
            return {key: stats[key] for key in ("divergences", "step_size", "n_grad_evals")} | {
                "failing": stats["divergences"] > 0,
            }

        return (update_stats,)
