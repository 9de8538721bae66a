"""The method contract (docs/contract.md), checked on every discovered method with small synthetic data."""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.plan import method_entries
from benchmarks.suites import MethodEntry, Suite
from datasets import synthetic
from methods.core.base import (
    RATIO_EPSILON,
    Capabilities,
    MethodError,
    MethodNotApplicable,
    UpliftMethod,
    ValidationSet,
)
from methods.core.registry import discover

REGISTRY = discover()
NAMES = sorted(REGISTRY.methods)
EFFECT_NAMES = [n for n in NAMES if REGISTRY.get(n).capabilities.predicts_effects]
COST_NAMES = [n for n in NAMES if REGISTRY.get(n).capabilities.uses_cost]


def make(name: str):
    """The method with the parameters it declares fast enough for tests (`fast_params`)."""
    cls = REGISTRY.get(name)
    return cls(**cls.fast_params)


def data_for(name: str, n_arms: int | None = None, seed: int = 5, with_cost: bool | None = None):
    """Synthetic rows this method can serve: several arms and outcomes where it can, cost if it needs it
    (or as `with_cost` says)."""
    caps = REGISTRY.get(name).capabilities
    arms = n_arms or (2 if caps.multi_arm else 1)
    return synthetic.generate(
        n_rows=1200, n_arms=arms, n_outcomes=2 if caps.multi_outcome else 1, n_features=6,
        with_cost=caps.needs_cost if with_cost is None else with_cost, seed=seed,
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


def global_random_states() -> dict[str, object]:
    """The state of every global generator a method could touch, by name."""
    states = {"python random": random.getstate(), "numpy global": np.random.get_state()}  # noqa: NPY002
    torch = sys.modules.get("torch")
    if torch is not None:
        states["torch"] = torch.random.get_rng_state()
    return states


def changed_generators(before: dict[str, object]) -> list[str]:
    """The names of the global generators whose state differs from `before`."""
    now = global_random_states()
    changed = []
    if now["python random"] != before["python random"]:
        changed.append("python random")
    if not all(
        np.array_equal(a, b) for a, b in zip(now["numpy global"], before["numpy global"], strict=True)
    ):
        changed.append("numpy global")
    if "torch" in before and not np.array_equal(now["torch"].numpy(), before["torch"].numpy()):
        changed.append("torch")
    return changed


def test_discovery_finds_every_method_without_broken_or_refused_files():
    assert REGISTRY.broken == {} and REGISTRY.refused == {}
    assert {"mtmt", "drm", "crm", "causal-forest", "uplift-forest", "tlearner-lgbm", "random"} <= set(NAMES)
    binary_only = {n for n in NAMES if REGISTRY.get(n).capabilities.binary_outcomes_only}
    assert binary_only == {"uplift-tree", "uplift-forest"}


@pytest.mark.parametrize("name", NAMES)
def test_shapes_determinism_and_untouched_global_random_state(name):
    data = data_for(name)
    before = global_random_states()
    rank, effects = outputs(fit(make(name), data, seed=3), data)
    assert rank.shape == (1200,) and np.isfinite(rank).all()
    if effects is not None:
        assert effects.shape == (1200, data.n_arms, data.n_outcomes) and np.isfinite(effects).all()
    again_rank, again_effects = outputs(fit(make(name), data, seed=3), data)
    np.testing.assert_array_equal(rank, again_rank)
    if effects is not None:
        np.testing.assert_array_equal(effects, again_effects)
    changed = changed_generators(before)
    assert not changed, f"{name} changed the global random state of: {', '.join(changed)}"


@pytest.mark.parametrize("name", EFFECT_NAMES)
def test_effect_methods_learn_cost_as_extra_outcomes(name):
    data = data_for(name, with_cost=True)
    if REGISTRY.get(name).capabilities.binary_outcomes_only:  # the synthetic cost is continuous
        with pytest.raises(MethodNotApplicable, match="cost, learnt as an outcome, is not 0/1"):
            fit(make(name), data)
        return
    before = global_random_states()
    method = fit(make(name), data, seed=3)
    effects, cost_effects = method.predict(data.X), method.predict_cost(data.X)
    rank = method.rank(data.X, value=0, cost=0)
    assert effects.shape == (1200, data.n_arms, data.n_outcomes) and np.isfinite(effects).all()
    assert cost_effects.shape == (1200, data.n_arms, 1) and np.isfinite(cost_effects).all()
    assert rank.shape == (1200,) and np.isfinite(rank).all()
    if type(method).rank is UpliftMethod.rank:  # the base class's ratio of the best arm, by its rule
        tau_v, tau_c = effects[:, :, 0], cost_effects[:, :, 0]
        relu = np.maximum(tau_v, 0) / (np.maximum(tau_c, 0) + RATIO_EPSILON)
        plain = tau_v / np.where(tau_c == 0, RATIO_EPSILON, tau_c)
        ratio = {"relu": relu, "plain": plain}[method.params_.get("ratio", "relu")]
        np.testing.assert_allclose(rank, ratio.max(axis=1))
        if "ratio" in method.ranking_params:
            with method.ranked_by({"ratio": "plain"}):
                np.testing.assert_allclose(method.rank(data.X, value=0, cost=0), plain.max(axis=1))
    again = fit(make(name), data, seed=3)
    np.testing.assert_array_equal(rank, again.rank(data.X, value=0, cost=0))
    np.testing.assert_array_equal(cost_effects, again.predict_cost(data.X))
    changed = changed_generators(before)
    assert not changed, f"{name} changed the global random state of: {', '.join(changed)}"


@pytest.mark.parametrize("name", COST_NAMES)
def test_cost_using_methods_rank_by_the_cost_they_are_given(name):
    data = data_for(name)
    rank = fit(make(name), data, seed=3).rank(data.X, value=0, cost=0)
    other_cost = dataclasses.replace(data, cost=data.cost[::-1].copy())
    other_rank = fit(make(name), other_cost, seed=3).rank(data.X, value=0, cost=0)
    assert rank.shape == other_rank.shape == (1200,)
    assert not np.array_equal(rank, other_rank), f"{name} ranks the same whatever the cost"


class Recorder(UpliftMethod):
    """Records what the base class hands to `_fit`."""

    name = "recorder"

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed):
        self.seen_ = {"y": y, "cost": cost, "valid": valid}

    def _predict(self, X):
        return np.zeros((len(X), self.n_arms_, self.n_outcomes_ + self.n_costs_))


class CostRecorder(Recorder):
    name = "cost-recorder"
    capabilities = Capabilities(uses_cost=True, predicts_effects=False)


def test_cost_reaches_fit_as_extra_outcomes_or_as_cost_as_the_method_declares():
    data = synthetic.generate(n_rows=400, n_arms=1, n_outcomes=2, n_features=4, with_cost=True, seed=1)
    seen = fit(Recorder(), data).seen_
    assert seen["cost"] is None and seen["y"].shape == (300, 3)
    np.testing.assert_array_equal(seen["y"][:, 2], data.cost[:300])
    assert seen["valid"].y.shape == (100, 3) and seen["valid"].cost is None
    seen = fit(CostRecorder(), data).seen_
    assert seen["y"].shape == (300, 2) and seen["cost"].shape == (300, 1)
    np.testing.assert_array_equal(seen["cost"][:, 0], data.cost[:300])
    assert seen["valid"].y.shape == (100, 2) and seen["valid"].cost.shape == (100, 1)
    assert seen["valid"].X.dtype == np.float32 and seen["valid"].treatment.dtype == np.int64


@pytest.mark.parametrize("generator", ["python random", "numpy global", "torch"])
def test_a_changed_global_generator_is_named(generator):
    import torch

    before = global_random_states()
    draw = {"python random": random.random, "numpy global": np.random.random, "torch": lambda: torch.rand(1)}
    draw[generator]()
    assert changed_generators(before) == [generator]


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
    if caps.binary_outcomes_only:
        data = data_for(name)
        continuous = dataclasses.replace(data, y=data.y + 0.5)
        with pytest.raises(MethodNotApplicable, match="binary outcomes only"):
            fit(make(name), continuous)
        with pytest.raises(MethodNotApplicable, match="binary outcomes only"):
            REGISTRY.get(name).check_applicable(n_arms=data.n_arms, y=continuous.y, cost=None)


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
    broken = f"{package.name}/broken.py"
    assert broken in registry.broken and "no_such_module" in registry.broken[broken]
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


SKLEARN_STYLE = """
import numpy as np
from methods.core.base import UpliftMethod

class SklearnStyle(UpliftMethod):
    name = "sklearn-style"
    def __init__(self, alpha=1.0):
        self.alpha = alpha
    def search_space(self, trial):
        return {}
    def fit(self, X, treatment, y, **kwargs):
        return self
    def predict(self, X):
        return np.zeros((len(X), 1, 1))
"""

UNKNOWN_FAST_PARAM = METHOD_FILE.format(name="slowish") + "    fast_params = {'max_epochs': 1}\n"


def test_a_plugin_breaking_the_contract_is_refused_with_one_line_naming_the_file_and_the_fix(
    tmp_path, monkeypatch
):
    package = plugin_folder(
        tmp_path,
        monkeypatch,
        {
            "sklearn_style.py": SKLEARN_STYLE,
            "slowish.py": UNKNOWN_FAST_PARAM,
            "constant.py": METHOD_FILE.format(name="constant"),
        },
    )
    registry = discover(package, package.name)
    assert list(registry.methods) == ["constant"]  # the others stay usable
    line = registry.refused["sklearn-style"]
    assert "\n" not in line and line.startswith(f"{package.name}/sklearn_style.py: SklearnStyle ")
    for breach in (
        "overrides __init__",
        "overrides fit",
        "overrides predict",
        "search_space is not a classmethod",
    ):
        assert breach in line
    for fix in ("`defaults`", "_fit(", "_predict(", "@classmethod", "docs/contract.md"):
        assert fix in line
    assert (
        "slowish.py" in registry.refused["slowish"]
        and "fast_params names max_epochs" in registry.refused["slowish"]
    )
    with pytest.raises(MethodError, match="sklearn_style.py: SklearnStyle overrides __init__"):
        registry.get("sklearn-style")
    with pytest.raises(MethodError, match="sklearn_style.py: SklearnStyle overrides __init__"):  # --methods
        suite = Suite(name="s", methods=(MethodEntry("constant"),))
        method_entries(suite, registry, wanted=["sklearn-style"])


def test_a_suites_overrides_reach_its_listed_methods_under_their_own_parameters():
    suite = Suite(
        name="s",
        methods=(MethodEntry("causal-forest"), MethodEntry("uplift-forest", params={"n_estimators": 7})),
        overrides={"causal-forest": {"n_estimators": 30}, "uplift-forest": {"n_estimators": 20}},
    )
    params = {e.name: e.params for e in method_entries(suite, REGISTRY)}
    assert params == {"causal-forest": {"n_estimators": 30}, "uplift-forest": {"n_estimators": 7}}


@pytest.mark.parametrize("name", NAMES)
def test_fast_params_are_parameters_of_the_method(name):
    cls = REGISTRY.get(name)
    assert set(cls.fast_params) <= set(cls.defaults)
    assert make(name).resolved_params() == {**cls.defaults, **cls.fast_params}


def documented_example() -> str:
    """The cost-aware plug-in of docs/contract.md, as the page shows it."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "contract.md").read_text()
    section = page[page.index("## A cost-aware example") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documented_cost_aware_example_keeps_to_the_contract(tmp_path, monkeypatch):
    package = plugin_folder(tmp_path, monkeypatch, {"net_value.py": documented_example()})
    registry = discover(package, package.name)
    assert registry.refused == {} and registry.broken == {}
    cls = registry.get("net-value-tlearner")
    data = synthetic.generate(n_rows=1200, n_arms=2, n_outcomes=1, n_features=6, with_cost=True, seed=4)
    before = global_random_states()
    rank = fit(cls(), data, seed=1).rank(data.X, value=0, cost=0)
    assert rank.shape == (1200,) and np.isfinite(rank).all()
    np.testing.assert_array_equal(rank, fit(cls(), data, seed=1).rank(data.X, value=0, cost=0))
    assert changed_generators(before) == []
    assert not np.array_equal(rank, fit(cls(lam=0.5), data).rank(data.X, value=0, cost=0))
    with pytest.raises(MethodNotApplicable, match="needs a cost"):
        fit(cls(), dataclasses.replace(data, cost=None, cost_names=None))
