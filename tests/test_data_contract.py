"""The data contract: UpliftData validates shapes, subsets keep everything aligned, summary counts arms; and
every dataset module discovered in datasets/ builds a well-formed, deterministic UpliftData (from its
shipped sample, or its TEST_OPTIONS) and names its missing raw file clearly."""

import re

import numpy as np
import pytest

import datasets
from datasets import _files
from datasets.base import DataError, UpliftData


def make(n=6, **overrides):
    fields = dict(
        X=np.arange(n * 2, dtype=np.float32).reshape(n, 2),
        feature_names=("a", "b"),
        treatment=np.array([0, 1, 2, 0, 1, 2][:n]),
        arm_names=("control", "one", "two"),
        y=np.arange(n, dtype=float).reshape(n, 1),
        outcome_names=("visit",),
        cost=np.ones(n),
        cost_names=("cost",),
        tau=np.zeros((n, 2, 1)),
        meta={"name": "toy", "source": {"file": "x", "checksum_ok": True}},
    )
    return UpliftData(**{**fields, **overrides})


def test_summary_counts_arms_control_first_and_outcome_means():
    summary = make().summary()
    assert summary["rows"] == 6 and summary["features"] == 2
    assert summary["arms"] == [
        {"name": "control", "rows": 2},
        {"name": "one", "rows": 2},
        {"name": "two", "rows": 2},
    ]
    assert summary["outcomes"] == [{"name": "visit", "mean": 2.5}]
    assert summary["cost"] == ["cost"]


def test_subset_keeps_rows_aligned():
    data = make()
    part = data.subset(np.array([4, 1]))
    assert part.treatment.tolist() == [1, 1]
    assert part.y[:, 0].tolist() == [4.0, 1.0]
    assert part.X[0].tolist() == data.X[4].tolist()
    assert part.tau.shape == (2, 2, 1) and part.cost.shape == (2,)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"feature_names": ("a",)}, "feature names"),
        ({"treatment": np.array([0, 1, 2, 0, 1])}, "treatment has shape"),
        ({"treatment": np.array([0, 1, 3, 0, 1, 2])}, "treatment codes"),
        ({"y": np.zeros((6, 2))}, "y has shape"),
        ({"cost": np.ones(5)}, "cost has 5 rows"),
        ({"tau": np.zeros((6, 1, 1))}, "tau has shape"),
    ],
)
def test_inconsistent_shapes_raise_data_error(overrides, message):
    with pytest.raises(DataError, match=message):
        make(**overrides)


def small(name: str) -> UpliftData:
    """Dataset `name` built from its TEST_OPTIONS (a `path` there is relative to the repository root)."""
    options = dict(getattr(datasets.dataset_module(name), "TEST_OPTIONS", {}))
    if "path" in options:
        options["path"] = _files.REPO_ROOT / options["path"]
    return datasets.load(name, **options)


@pytest.mark.parametrize("name", datasets.names())
def test_every_dataset_meets_the_contract(name):
    module = datasets.dataset_module(name)
    assert module.DESCRIPTION.strip() and "\n" not in module.DESCRIPTION
    data = small(name)
    n = data.n_rows
    assert n > 0 and data.X.dtype == np.float32 and data.X.shape == (n, len(data.feature_names))
    assert np.isfinite(data.X).all() and np.isfinite(data.y).all()
    assert data.treatment.dtype == np.int64 and data.y.dtype == np.float64
    assert len(data.arm_names) >= 2 and len(data.outcome_names) >= 1
    for names in (data.feature_names, data.arm_names, data.outcome_names):
        assert all(isinstance(x, str) and x for x in names) and len(set(names)) == len(names)
    assert (np.bincount(data.treatment, minlength=len(data.arm_names)) > 0).all(), "every arm has rows"
    if data.cost is not None:
        assert np.isfinite(data.cost).all() and len(data.cost_names) == data.cost_matrix.shape[1]
    if data.propensity is not None:
        assert data.propensity.shape == (n, len(data.arm_names))
        assert np.allclose(data.propensity.sum(axis=1), 1)
    assert data.meta["name"] and data.meta["source"]["file"]
    again = small(name)
    for field in ("X", "treatment", "y", "cost", "propensity", "tau"):
        first, second = getattr(data, field), getattr(again, field)
        assert (first is None and second is None) or np.array_equal(first, second), (
            f"{field} is not deterministic"
        )


@pytest.mark.parametrize("name", [n for n in datasets.names() if hasattr(datasets.dataset_module(n), "RAW")])
def test_a_missing_raw_file_is_named_with_its_address(name, tmp_path, monkeypatch):
    module = datasets.dataset_module(name)
    raw = module.RAW
    if hasattr(module, "EMBEDDED"):  # a copy shipped in the repository stands in for a missing file
        monkeypatch.setattr(module, "EMBEDDED", tmp_path / "not-installed")
    with pytest.raises(DataError, match=rf"{re.escape(raw.name)} not found .*{re.escape(raw.url)}"):
        datasets.load(name, data_dir=tmp_path)


@pytest.mark.parametrize("name", datasets.names())
def test_unknown_options_are_refused(name):
    with pytest.raises(DataError, match=rf"dataset '{name}': bad options \['no_such_option'\]"):
        datasets.load(name, no_such_option=1)


def test_discovery_finds_dataset_modules_and_skips_helpers(tmp_path, monkeypatch):
    (tmp_path / "toy.py").write_text('DESCRIPTION = "toy"\n\ndef load(data_dir=None):\n    return None\n')
    (tmp_path / "_helper.py").write_text("X = 1\n")
    monkeypatch.setattr(datasets, "__path__", [*datasets.__path__, str(tmp_path)])
    datasets._discover.cache_clear()
    try:
        assert (
            "toy" in datasets.names() and "_helper" not in datasets.names() and "base" not in datasets.names()
        )
        (tmp_path / "broken.py").write_text("def load(data_dir=None):\n    return None\n")
        datasets._discover.cache_clear()
        with pytest.raises(
            DataError, match=r"datasets/broken\.py is not a dataset module: define DESCRIPTION"
        ):
            datasets.names()
    finally:
        datasets._discover.cache_clear()
