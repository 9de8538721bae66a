"""The method contract, checked on every discovered method with small synthetic data (DESIGN.md)."""

from __future__ import annotations

import random
import sys

import numpy as np
import pytest

from datasets import synthetic
from methods.core.base import MethodError, MethodNotApplicable, ValidationSet
from methods.core.registry import discover

REGISTRY = discover()
NAMES = sorted(REGISTRY.methods)
# shorter training than the defaults, so that the contract runs in seconds per method
FAST = {"max_epochs": 3, "n_estimators": 10, "validate_every": 1}


def make(name: str):
    cls = REGISTRY.get(name)
    return cls(**{k: v for k, v in FAST.items() if k in cls.defaults})


def data_for(name: str, n_arms: int | None = None, seed: int = 5):
    """Synthetic rows this method can serve: several arms and outcomes where it can, cost if it needs it."""
    caps = REGISTRY.get(name).capabilities
    arms = n_arms or (2 if caps.multi_arm else 1)
    return synthetic.generate(
        n_rows=1200, n_arms=arms, n_outcomes=2 if caps.multi_outcome else 1, n_features=6,
        with_cost=caps.needs_cost, seed=seed,
    )  # fmt: skip


def fit(method, data, seed=0):
    n = len(data.treatment)
    train, valid = slice(0, n * 3 // 4), slice(n * 3 // 4, n)
    cost = None if data.cost is None else data.cost[train]
    method.fit(
        data.X[train], data.treatment[train], data.y[train], cost=cost, seed=seed,
        valid=ValidationSet(data.X[valid], data.treatment[valid], data.y[valid],
                            None if data.cost is None else data.cost[valid]),
    )  # fmt: skip
    return method


def outputs(method, data):
    rank = method.rank(data.X, value=0, cost=0 if data.cost is not None else None)
    effects = method.predict(data.X) if method.capabilities.predicts_effects else None
    return rank, effects


def test_discovery_finds_every_method_without_broken_files():
    assert REGISTRY.broken == {}
    assert {"mtmt", "drm", "crm", "causal-forest", "uplift-forest", "tlearner-lgbm", "random"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_determinism_and_untouched_global_random_state(name):
    data = data_for(name)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    torch = sys.modules.get("torch")
    torch_state = torch.random.get_rng_state() if torch is not None else None
    rank, effects = outputs(fit(make(name), data, seed=3), data)
    assert rank.shape == (1200,) and np.isfinite(rank).all()
    if effects is not None:
        assert effects.shape == (1200, data.n_arms, data.n_outcomes) and np.isfinite(effects).all()
    again_rank, again_effects = outputs(fit(make(name), data, seed=3), data)
    np.testing.assert_array_equal(rank, again_rank)
    if effects is not None:
        np.testing.assert_array_equal(effects, again_effects)
    assert np.array_equal(np.random.get_state()[1], np_state[1])  # noqa: NPY002
    assert random.getstate() == py_state
    if torch_state is not None:
        assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_predicting_once_runs_the_model_once_per_input_array():
    data = synthetic.generate(n_rows=1200, n_arms=2, n_outcomes=1, n_features=6, with_cost=True, seed=2)
    method = fit(make("tlearner-ridge"), data)
    calls = []
    predict = method._predict
    method._predict = lambda X: calls.append(len(X)) or predict(X)
    expected = (method.rank(data.X, value=0, cost=0), method.predict(data.X), method.predict_cost(data.X))
    assert len(calls) == 3
    with method.predicting_once():
        with method.predicting_once():  # a nested block (score_split inside a cell) shares the results
            rank = method.rank(data.X, value=0, cost=0)
        shared = (rank, method.predict(data.X), method.predict_cost(data.X), method.predict(data.X[:10]))
    assert len(calls) == 3 + 2  # the whole array once, its first ten rows (another array) once
    for before, now in zip(expected, shared, strict=False):
        np.testing.assert_array_equal(before, now)
    method.predict(data.X)
    assert len(calls) == 6  # outside the block nothing is kept


@pytest.mark.parametrize("name", NAMES)
def test_capabilities_are_honoured(name):
    caps = REGISTRY.get(name).capabilities
    if not caps.multi_arm:
        with pytest.raises(MethodNotApplicable, match="one treatment arm"):
            fit(make(name), data_for(name, n_arms=2))
    if caps.needs_cost:
        plain = synthetic.generate(n_rows=600, n_arms=1, n_outcomes=1, n_features=6, seed=1)
        with pytest.raises(MethodNotApplicable, match="needs a cost"):
            fit(make(name), plain)
    if not caps.predicts_effects:
        method = fit(make(name), data_for(name))
        with pytest.raises(NotImplementedError):
            method.predict(data_for(name).X)


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_is_a_clear_value_error(name):
    data = data_for(name)
    X, t, y = data.X[:200], data.treatment[:200], data.y[:200]
    with pytest.raises(ValueError, match="integer arm codes"):
        make(name).fit(X, t.astype(str), y)
    with pytest.raises(ValueError, match="differ in length"):
        make(name).fit(X[:-1], t, y)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        make(name).fit(bad, t, y)
    with pytest.raises(MethodError, match="no parameter"):
        REGISTRY.get(name)(no_such_parameter=1).fit(X, t, y)


METHOD_FILE = """
import numpy as np
from methods.core.base import UpliftMethod

class Constant(UpliftMethod):
    name = "{name}"
    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed):
        pass
    def _predict(self, X):
        return np.zeros((len(X), self.n_arms_, self.n_outcomes_ + self.n_costs_))
"""


def plugin_folder(tmp_path, monkeypatch, files: dict[str, str]):
    package = tmp_path / f"extra_methods_{tmp_path.name.replace('-', '_')}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_a_dropped_file_is_discovered_and_a_broken_one_reported(tmp_path, monkeypatch):
    package = plugin_folder(
        tmp_path,
        monkeypatch,
        {"constant.py": METHOD_FILE.format(name="constant"), "broken.py": "import no_such_module\n"},
    )
    registry = discover(package, package.name)
    assert list(registry.methods) == ["constant"]
    assert "broken.py" in registry.broken and "no_such_module" in registry.broken["broken.py"]
    with pytest.raises(MethodError, match="broken.py"):
        registry.get("missing")


def test_duplicate_method_names_are_an_error(tmp_path, monkeypatch):
    package = plugin_folder(
        tmp_path,
        monkeypatch,
        {"one.py": METHOD_FILE.format(name="twin"), "two.py": METHOD_FILE.format(name="twin")},
    )
    with pytest.raises(MethodError, match="duplicate method name 'twin'"):
        discover(package, package.name)
