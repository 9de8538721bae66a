"""The UpliftData contract: shapes are validated, subsets keep everything aligned, summary counts arms."""

import numpy as np
import pytest

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
