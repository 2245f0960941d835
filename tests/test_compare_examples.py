"""compare() runs on every example model, with a static-HMC and a NUTS spec of our own."""

import logging
import warnings

import numpy as np
import pytest

from pymc_symplectic import compare, examples
from pymc_symplectic.compare import BASELINE_LABEL


@pytest.fixture(autouse=True)
def _quiet():
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ArviZ: "only 20 samples per chain"
        yield
    logger.setLevel(level)


@pytest.mark.parametrize("name", examples.available())
def test_compare_runs_on_every_example_model(name):
    result = compare(
        name,
        ["hmc:bcss2", "relativistic-nuts"],
        draws=20,
        tune=20,
        chains=2,
        cores=1,
        random_seed=1,
        progressbar=False,
    )
    assert list(result.table.index) == [BASELINE_LABEL, "hmc:bcss2", "relativistic-nuts"]
    assert np.all(result.table["grad_evals"] > 0)
    assert set(result.runs) == set(result.table.index)
