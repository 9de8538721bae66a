"""Metrics against scikit-uplift 0.5.1 and causalml 0.18 where the definitions coincide, AUCC by hand."""

import numpy as np
import pandas as pd
import pytest
from causalml.metrics import auuc_score, qini_score
from sklift.metrics import qini_auc_score, uplift_at_k, uplift_auc_score

from benchmarks.scoring import HEADLINE, score_cell
from metrics import areas, at_k, aucc, bootstrap, multiarm, policy, ranking, thin
from metrics._checks import UndefinedMetric


def trial(seed, n=3000, ties=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.integers(0, 2, n)
    y = (rng.random(n) < 0.2 + 0.1 * t * (x > 0)).astype(float)
    score = x + rng.normal(scale=0.5, size=n)
    return (np.round(score, 1) if ties else score), t, y


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("ties", [False, True])
def test_sklift_areas_and_uplift_at_k_agree(seed, ties):
    s, t, y = trial(seed, ties=ties)
    assert areas.qini_sklift(s, t, y) == pytest.approx(
        qini_auc_score(y, s, t, negative_effect=True), abs=1e-9
    )
    assert areas.auuc_sklift(s, t, y) == pytest.approx(uplift_auc_score(y, s, t), abs=1e-9)
    for strategy in ("overall", "by_group"):
        ours = at_k.uplift_at_k(s, t, y, k=0.3, strategy=strategy)
        assert ours == pytest.approx(uplift_at_k(y, s, t, strategy=strategy, k=0.3), abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_causalml_areas_agree(seed):
    s, t, y = trial(seed)
    frame = pd.DataFrame({"model": s, "y": y, "w": t})
    expected_qini = qini_score(frame, outcome_col="y", treatment_col="w")["model"]
    expected_auuc = auuc_score(frame, outcome_col="y", treatment_col="w")["model"]
    assert areas.qini_causalml(s, t, y) == pytest.approx(expected_qini, abs=1e-9)
    assert areas.auuc_causalml(s, t, y) == pytest.approx(expected_auuc, abs=1e-9)


@pytest.fixture(scope="module")
def hillstrom():
    import datasets

    return datasets.load("hillstrom")


@pytest.mark.parametrize("arm", [1, 2])
def test_areas_agree_with_both_libraries_on_hillstrom(hillstrom, arm):
    """Each e-mail arm against control, on visit, conversion and spend. scikit-uplift gets a ranking by
    recency (12 values, so almost every row is tied); causalml, which does not group ties, a ranking by
    purchase history plus seeded noise below its resolution of 0.01 (no ties)."""
    rows = (hillstrom.treatment == 0) | (hillstrom.treatment == arm)
    t = (hillstrom.treatment[rows] == arm).astype(int)
    feature = {
        name: hillstrom.X[rows, i].astype(np.float64) for i, name in enumerate(hillstrom.feature_names)
    }
    tied = -feature["recency"]
    untied = feature["history"] + np.random.default_rng(arm).random(t.size) * 1e-3
    assert len(np.unique(tied)) == 12 and len(np.unique(untied)) == t.size
    for j, outcome in enumerate(hillstrom.outcome_names):
        y = hillstrom.y[rows, j]
        frame = pd.DataFrame({"model": untied, "y": y, "w": t})
        expected = [f(frame, outcome_col="y", treatment_col="w")["model"] for f in (qini_score, auuc_score)]
        assert areas.qini_causalml(untied, t, y) == pytest.approx(expected[0], abs=1e-9), outcome
        assert areas.auuc_causalml(untied, t, y) == pytest.approx(expected[1], abs=1e-9), outcome
        if outcome == "spend":
            continue  # scikit-uplift's areas take binary outcomes only
        assert areas.qini_sklift(tied, t, y) == pytest.approx(qini_auc_score(y, tied, t), abs=1e-9)
        assert areas.auuc_sklift(tied, t, y) == pytest.approx(uplift_auc_score(y, tied, t), abs=1e-9)
        ours = at_k.uplift_at_k(tied, t, y, k=0.3)
        assert ours == pytest.approx(uplift_at_k(y, tied, t, strategy="overall", k=0.3), abs=1e-9)


def causalml_by_rows(s, t, y):
    """causalml's normalised Qini and AUUC with tied scores grouped: the curves at block ends,
    interpolated at every row with np.interp and summed row by row."""
    frame = pd.DataFrame({"s": s, "n": 1.0, "nt": t, "yt": y * t, "yc": y * (1 - t)})
    ends = frame.groupby("s").sum().sort_index(ascending=False).cumsum()
    n, nt, yt, yc = (ends[c].to_numpy() for c in ("n", "nt", "yt", "yc"))
    nc = n - nt
    rows = np.arange(len(s) + 1.0)
    has_c, has_both = nc > 0, (nc > 0) & (nt > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.interp(rows, np.r_[0, n[has_c]], np.r_[0, (yt - yc * nt / nc)[has_c]])
        lift = np.interp(rows, np.r_[0, n[has_both]], np.r_[0, (yt / nt - yc / nc)[has_both]])
    gain = rows * lift
    return (qini / qini[-1] - rows / rows[-1]).mean(), (gain / gain[-1]).mean()


@pytest.mark.parametrize("seed", range(2))
def test_causalml_areas_group_tied_scores_and_skip_undefined_rows(seed):
    s, t, y = trial(seed, ties=True)
    s, t, y = np.r_[9.0, 9.0, 8.0, s], np.r_[1, 1, 1, t], np.r_[1.0, 0.0, 1.0, y]  # top rows all treated
    expected_qini, expected_auuc = causalml_by_rows(s, t, y)
    assert areas.qini_causalml(s, t, y) == pytest.approx(expected_qini, abs=1e-9)
    assert areas.auuc_causalml(s, t, y) == pytest.approx(expected_auuc, abs=1e-9)


def test_qini_on_hillstrom_like_spend_is_defined_and_auuc_says_why_not():
    s, t, y = trial(0)
    spend = y * np.random.default_rng(1).gamma(2.0, 50.0, size=y.size)
    assert np.isfinite(areas.qini_sklift(s, t, spend))
    with pytest.raises(UndefinedMetric, match="binary outcomes only"):
        areas.auuc_sklift(s, t, spend)


def test_aucc_hand_computed_example():
    # rows ranked a > b > c > d; treated a, c; control b, d; value (1, 0, 1, 0), cost (1, 0, 3, 0).
    # Cuts with both groups: top 2: value 2*(1-0) = 2, cost 2*(1-0) = 2; top 3: value 3*(1-0) = 3,
    # cost 3*(2-0) = 6; all 4: value 4, cost 8. Normalised: (0,0), (.25,.5), (.75,.75), (1,1).
    # Trapezoids: .25*.25 + .5*.625 + .25*.875 = 0.59375.
    score = np.array([4.0, 3.0, 2.0, 1.0])
    t = np.array([1, 0, 1, 0])
    value = np.array([1.0, 0.0, 1.0, 0.0])
    cost = np.array([1.0, 0.0, 3.0, 0.0])
    assert aucc.aucc(score, t, value, cost, "zou2020-text") == pytest.approx(0.59375)
    assert aucc.aucc(score, t, value, cost, "bounded") == pytest.approx(0.59375)


def hcl_code_by_loop(score, t, value, cost):
    """The HCL code's decile AUCC written as a loop over cuts with boolean masks (docs/metrics.md)."""
    n = len(score)
    order = np.argsort(score, kind="mergesort")[::-1]
    control = t == 0
    points = [(0.0, 0.0)]
    for m in range(n // 10, n, n // 10):
        top = np.zeros(n, dtype=bool)
        top[order[:m]] = True
        p = m / n
        increments = []
        for a in (cost, value):
            targeted = a[top & ~control].mean()
            per_unit = targeted if p > 0.99 else targeted * p + a[~top & control].mean() * (1 - p)
            increments.append(max(per_unit - a[control].mean(), 1e-7) * control.sum())
        points.append((increments[0], max(increments[1], points[-1][1])))
    x, y = np.array(points).T
    x, y = np.minimum(x / x[-1], 1.0), np.minimum(y / y[-1], 1.0)
    x[-1] = y[-1] = 1.0
    return np.trapezoid(y, x)


@pytest.mark.parametrize("ties", [False, True])
def test_aucc_hcl_code_matches_a_loop_over_deciles(ties):
    rng = np.random.default_rng(8)
    n = 2003
    t = rng.integers(0, 2, n)
    value = (rng.random(n) < 0.3 + 0.2 * t).astype(float)
    cost = rng.random(n) * (1 + t)
    score = rng.normal(size=n) + value * t
    score = np.round(score, 1) if ties else score
    assert aucc.aucc(score, t, value, cost, "hcl-code") == pytest.approx(
        hcl_code_by_loop(score, t, value, cost)
    )


def test_aucc_random_is_about_half_and_bounded_stays_in_unit_interval():
    rng = np.random.default_rng(3)
    n = 20000
    t = rng.integers(0, 2, n)
    value = (rng.random(n) < 0.3 + 0.2 * t).astype(float)
    cost = (rng.random(n) < 0.2 + 0.3 * t).astype(float)
    random_area = np.mean([aucc.aucc(rng.random(n), t, value, cost) for _ in range(5)])
    assert random_area == pytest.approx(0.5, abs=0.03)
    sign_changing = rng.normal(size=n)
    cost_flip = np.where(sign_changing > 1, 1 - cost, cost)  # the top-ranked 16% save cost when treated
    x, _ = aucc.text_points(sign_changing, t, value, cost_flip)
    assert x.min() < 0  # the text's curve leaves the unit square ...
    assert 0 <= aucc.aucc(sign_changing, t, value, cost_flip, "bounded") <= 1  # ... the headline does not


def test_multi_arm_mean_and_policy_value():
    rng = np.random.default_rng(4)
    n = 3000
    t = rng.integers(0, 3, n)
    y = (rng.random(n) < 0.1 + 0.1 * (t == 2)).astype(float)
    scores = rng.normal(size=(n, 2))
    values, mean = multiarm.per_arm(areas.qini_sklift, scores, t, y)
    assert mean == pytest.approx(np.mean(values))
    for k in (1, 2):
        rows = (t == 0) | (t == k)
        assert values[k - 1] == pytest.approx(qini_auc_score(y[rows], scores[rows, k - 1], (t[rows] == k)))
    always_two = policy.policy_value(np.full(n, 2), t, y, np.full((n, 3), 1 / 3))
    assert always_two == pytest.approx(y[t == 2].sum() * 3 / n)


def test_score_cell_rows_and_headline():
    rng = np.random.default_rng(5)
    n = 2000
    t = rng.integers(0, 3, n)
    y = rng.integers(0, 2, (n, 2)).astype(float)
    effects = rng.normal(size=(n, 2, 2))
    rows = score_cell(
        treatment=t,
        y=y,
        outcome_names=("visit", "conversion"),
        arm_names=("c", "m", "w"),
        rank_score=effects[:, 0, 0],
        arm_scores=effects,
        tau_true=np.zeros_like(effects),
        tau_pred=effects,
    )
    metric, variant = HEADLINE["effect"]
    headline = [r for r in rows if (r["metric"], r["variant"]) == (metric, variant)]
    assert {(r["arm"], r["outcome"]) for r in headline} == {
        (a, o) for a in ("m", "w", "mean") for o in ("visit", "conversion")
    }
    assert any(r["metric"] == "pehe" for r in rows)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones(3), np.array([0, 1]), np.ones(3)), "lengths differ"),
        ((np.array([np.nan, 1.0]), np.array([0, 1]), np.ones(2)), "NaN"),
        ((np.ones(3), np.array([0, 1, 2]), np.ones(3)), "binary"),
        ((np.ones(3), np.array([1, 1, 1]), np.ones(3)), "one class"),
    ],
)
def test_bad_input_raises_value_error_saying_what(args, message):
    with pytest.raises(ValueError, match=message):
        areas.qini_sklift(*args)


def test_bootstrap_is_seeded_and_thin_keeps_ends():
    s, t, y = trial(6, n=1000)
    first = bootstrap.bootstrap_ci(areas.qini_sklift, s, t, y, n_boot=30, seed=1)
    assert first == bootstrap.bootstrap_ci(areas.qini_sklift, s, t, y, n_boot=30, seed=1)
    assert first[0] < areas.qini_sklift(s, t, y) < first[1]
    x, v = thin.thin(np.arange(5000.0), np.arange(5000.0))
    assert len(x) <= 1000 and x[0] == 0 and x[-1] == 4999


@pytest.mark.parametrize("threads", ["1", "3"])
def test_ranking_is_the_stable_argsort_reversed_with_blocks_of_equal_scores(monkeypatch, threads):
    monkeypatch.setenv("OMP_NUM_THREADS", threads)
    monkeypatch.setattr(ranking, "PARALLEL_FROM", 100)  # chunks sorted on threads, then merged
    rng = np.random.default_rng(4)
    n = 5000
    scores = {
        "continuous": rng.normal(size=n),
        "ties": np.round(rng.normal(size=n), 1),
        "leading bits tie": 0.5 + 1e-13 * rng.integers(0, 40, n),  # equal words, different scores
        "signed zeros": np.r_[np.zeros(n // 2), -np.zeros(n // 2)],
        "extremes": np.r_[rng.normal(size=n - 4) * 1e300, 5e-324, -5e-324, 1e308, -1e308],
    }
    for name, s in scores.items():
        r = ranking.Ranking(s)
        expected = np.argsort(s, kind="stable")[::-1]
        assert np.array_equal(r.order, expected), name
        ranked = s[expected]
        block_ends = np.r_[0, np.flatnonzero(ranked[1:] != ranked[:-1]) + 1, n]
        assert np.array_equal(r.ends, block_ends), name
