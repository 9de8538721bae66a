"""Metrics against scikit-uplift 0.5.1 and causalml 0.18 where the definitions coincide, AUCC by hand."""

import numpy as np
import pandas as pd
import pytest
from causalml.metrics import auuc_score, qini_score
from sklift.metrics import qini_auc_score, uplift_at_k, uplift_auc_score

from benchmarks.scoring import HEADLINE, pehe_rows, score_cell
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
    """causalml's normalised Qini and AUUC with tied scores grouped, summed row by row: the Qini curve
    interpolated linearly between block ends; the lift interpolated from 0 over the rows before the first
    block end with both groups (causalml's rule for rows without a lift), the gain between block ends."""
    frame = pd.DataFrame({"s": s, "n": 1.0, "nt": t, "yt": y * t, "yc": y * (1 - t)})
    ends = frame.groupby("s").sum().sort_index(ascending=False).cumsum()
    n, nt, yt, yc = (ends[c].to_numpy() for c in ("n", "nt", "yt", "yc"))
    nc = n - nt
    rows = np.arange(len(s) + 1.0)
    has_c, has_both = nc > 0, (nc > 0) & (nt > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.interp(rows, np.r_[0, n[has_c]], np.r_[0, (yt - yc * nt / nc)[has_c]])
        lift = (yt / nt - yc / nc)[has_both]
    first = np.flatnonzero(has_both)[0]
    lead = n[first - 1] if first else 0.0
    lead_gain = rows * np.interp(rows, [0, n[first]], [0, lift[0]])
    gain = np.interp(rows, np.r_[lead, n[has_both]], np.r_[lead_gain[int(lead)], n[has_both] * lift])
    gain = np.where(rows <= lead, lead_gain, gain)
    return (qini / qini[-1] - rows / rows[-1]).mean(), (gain / gain[-1]).mean()


@pytest.mark.parametrize("seed", range(2))
def test_causalml_areas_group_tied_scores_and_skip_undefined_rows(seed):
    s, t, y = trial(seed, ties=True)
    s, t, y = np.r_[9.0, 9.0, 8.0, s], np.r_[1, 1, 1, t], np.r_[1.0, 0.0, 1.0, y]  # top rows all treated
    expected_qini, expected_auuc = causalml_by_rows(s, t, y)
    assert areas.qini_causalml(s, t, y) == pytest.approx(expected_qini, abs=1e-9)
    assert areas.auuc_causalml(s, t, y) == pytest.approx(expected_auuc, abs=1e-9)


def test_causalml_auuc_with_ties_is_what_random_orders_of_the_ties_give():
    """A constant score scores 0.5, as random rankings do (interpolating the lift gave (2n+1)/(6n), 1/3);
    with 9 blocks of ties the area is within sampling error of causalml's mean over random tie orders."""
    s, t, y = trial(0)
    assert areas.auuc_causalml(np.zeros(t.size), t, y) == pytest.approx(0.5, abs=1e-12)
    tied = np.round(s)
    rng = np.random.default_rng(0)
    by_causalml = [
        auuc_score(pd.DataFrame({"m": tied + rng.random(t.size) * 1e-3, "y": y, "w": t}), "y", "w")["m"]
        for _ in range(40)
    ]
    assert len(np.unique(tied)) == 8
    assert areas.auuc_causalml(tied, t, y) == pytest.approx(
        np.mean(by_causalml), abs=3 * np.std(by_causalml) / 6
    )


def test_sklift_areas_on_continuous_outcomes_say_why_not_and_the_centred_qini_is_shift_invariant():
    """scikit-uplift's perfect Qini curve on a continuous outcome depends on its zero point (its formula
    gives this ranking 0.103 on spend, 0.085 on spend + 10), so that variant is binary-only; the centred
    variant is unchanged by a shift or a scale of y, and equals scikit-uplift's on a binary outcome."""
    s, t, y = trial(0)
    spend = y * np.random.default_rng(1).gamma(2.0, 50.0, size=y.size)
    for metric in (areas.qini_sklift, areas.auuc_sklift):
        with pytest.raises(UndefinedMetric, match="binary outcomes only"):
            metric(s, t, spend)
    centred = areas.qini_sklift_centred(s, t, spend)
    assert np.isfinite(centred) and centred != 0
    for shifted in (spend + 10, spend - 1000, 3 * spend - 7):
        assert areas.qini_sklift_centred(s, t, shifted) == pytest.approx(centred, abs=1e-12)
    assert areas.qini_sklift_centred(s, t, y) == pytest.approx(qini_auc_score(y, s, t), abs=1e-12)


def test_continuous_outcomes_get_the_centred_qini_row_binary_ones_the_sklift_row():
    s, t, y = trial(2)
    spend = y * np.random.default_rng(2).gamma(2.0, 50.0, size=y.size)
    rows = score_cell(
        treatment=t, y=np.c_[y, spend], outcome_names=("visit", "spend"), arm_names=("c", "t"), rank_score=s
    )
    qini = {(r["outcome"], r["variant"]) for r in rows if r["metric"] == "qini"}
    assert qini == {
        ("visit", "sklift"),
        ("visit", "causalml"),
        ("spend", "sklift-centred"),
        ("spend", "causalml"),
    }


@pytest.mark.parametrize("constant", [0.0, 1.0])
def test_a_single_class_outcome_is_undefined_as_in_scikit_uplift(constant):
    s, t, y = trial(3)
    y = np.full(y.size, constant)
    with pytest.raises(ValueError, match="not binary"):  # scikit-uplift raises as well
        qini_auc_score(y, s, t)
    for metric in (areas.qini_sklift, areas.auuc_sklift, areas.qini_causalml, areas.auuc_causalml):
        with pytest.raises(UndefinedMetric):
            metric(s, t, y)
    for strategy in ("overall", "by_group"):
        with pytest.raises(UndefinedMetric, match="one value"):
            at_k.uplift_at_k(s, t, y, 0.3, strategy)


def test_aucc_hand_computed_example_counts_treated_rows_in_the_top():
    # rows ranked a > b > c > d; treated a, c; control b, d; value (1, 0, 1, 0), cost (1, 0, 3, 0).
    # Points are (treated rows in the top) x (treated mean - control mean), at cuts with both groups:
    # top 2: value 1*(1-0) = 1, cost 1*(1-0) = 1; top 3: value 2*(1-0) = 2, cost 2*(2-0) = 4; all 4:
    # value 2, cost 4. Normalised: (0,0), (.25,.5), (1,1), (1,1). Trapezoids: .25*.25 + .75*.75 = 0.625.
    # (Counting all top rows instead gives (0,0), (.25,.5), (.75,.75), (1,1): 0.59375.)
    score = np.array([4.0, 3.0, 2.0, 1.0])
    t = np.array([1, 0, 1, 0])
    value = np.array([1.0, 0.0, 1.0, 0.0])
    cost = np.array([1.0, 0.0, 3.0, 0.0])
    x, y = aucc.text_points(score, t, value, cost)
    assert np.allclose(x, [0, 0.25, 1, 1]) and np.allclose(y, [0, 0.5, 1, 1])
    assert aucc.aucc(score, t, value, cost, "zou2020-text") == pytest.approx(0.625)
    assert aucc.aucc(score, t, value, cost, "bounded") == pytest.approx(0.625)
    # value reached at 10/20/30% of the cost: along the segment to (.25, .5), then to (1, 1)
    reached = aucc.value_at_cost(score, t, value, cost)
    assert reached == pytest.approx([0.2, 0.4, 0.5 + 0.5 * 0.05 / 0.75])


def seeded_tie_order(score, tie_seed):
    """The AUCC tie rule written out: score descending, ties by position in the seeded permutation."""
    shuffled = np.random.default_rng(tie_seed).permutation(len(score))
    return shuffled[np.argsort(score[shuffled], kind="stable")[::-1]]


def hcl_code_by_loop(score, t, value, cost, segments=10, tie_seed=aucc.TIE_SEED):
    """The HCL code's segment AUCC written as a loop over cuts with boolean masks (docs/metrics.md)."""
    n = len(score)
    order = seeded_tie_order(score, tie_seed)
    control = t == 0
    points = [(0.0, 0.0)]
    for m in range(n // segments, n, n // segments):
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


@pytest.mark.parametrize("variant, segments", [("hcl-code", 10), ("hcl-code-20", 20)])
@pytest.mark.parametrize("ties", [False, True])
def test_aucc_hcl_code_matches_a_loop_over_segments(ties, variant, segments):
    rng = np.random.default_rng(8)
    n = 2003
    t = rng.integers(0, 2, n)
    value = (rng.random(n) < 0.3 + 0.2 * t).astype(float)
    cost = rng.random(n) * (1 + t)
    score = rng.normal(size=n) + value * t
    score = np.round(score, 1) if ties else score
    assert aucc.aucc(score, t, value, cost, variant) == pytest.approx(
        hcl_code_by_loop(score, t, value, cost, segments)
    )
    assert aucc.aucc(score, t, value, cost, variant, tie_seed=5) == pytest.approx(
        hcl_code_by_loop(score, t, value, cost, segments, tie_seed=5)
    )


def test_aucc_ties_take_a_seeded_random_order_not_row_order():
    """A file ordered in space (value effect only in its first half, as Covertype's rows are ordered) and
    a constant score: every order of the ties is a random ranking, so AUCC is about 0.5 in every variant;
    row order would put the second half first. Text variants sit at block ends and ignore the seed."""
    rng = np.random.default_rng(9)
    n = 20000
    t = rng.integers(0, 2, n)
    first_half = np.arange(n) < n // 2
    value = (rng.random(n) < 0.3 + 0.3 * t * first_half).astype(float)
    cost = (rng.random(n) < 0.3 + 0.2 * t).astype(float)
    constant = np.zeros(n)
    for variant in aucc.VARIANTS:
        areas_by_seed = [aucc.aucc(constant, t, value, cost, variant, tie_seed=seed) for seed in (0, 1)]
        assert areas_by_seed[0] == aucc.aucc(constant, t, value, cost, variant)  # default seed 0
        assert areas_by_seed[0] == pytest.approx(0.5, abs=0.05), variant
        if variant in ("zou2020-text", "bounded"):
            assert areas_by_seed[0] == areas_by_seed[1] == pytest.approx(0.5)
    by_row_order = hcl_code_by_loop(np.arange(n, dtype=float), t, value, cost)  # ties by row, descending
    assert by_row_order < 0.4


def test_aucc_saturates_where_value_at_cost_still_separates_rankings():
    """Rows of kind A gain value and save cost when treated, B gain value at a cost, C lose value at a
    cost. Any ranking that puts A first reaches the whole incremental value at no net cost, so the HCL
    evaluator's AUCC is about 1 whether B or C comes next; the value reached at 10-30% of the cost is
    not clipped and tells the two apart (about 1.2 against 0.8)."""
    rng = np.random.default_rng(10)
    n = 30000
    t = rng.integers(0, 2, n)
    kind = rng.choice(3, n, p=[0.4, 0.3, 0.3])
    value = (rng.random(n) < 0.4 + np.array([0.3, 0.1, -0.1])[kind] * t).astype(float)
    cost = (rng.random(n) < 0.4 + np.array([-0.3, 0.5, 0.5])[kind] * t).astype(float)
    a_b_c = -kind + rng.random(n) * 0.5
    a_c_b = np.array([2, 0, 1])[kind] + rng.random(n) * 0.5
    for variant in ("hcl-code", "hcl-code-20"):
        assert aucc.aucc(a_b_c, t, value, cost, variant) > 0.99
        assert aucc.aucc(a_c_b, t, value, cost, variant) > 0.99
    better, worse = (aucc.value_at_cost(s, t, value, cost) for s in (a_b_c, a_c_b))
    assert np.all(better > 1.1) and np.all(worse < 0.9)


def test_aucc_random_is_about_half_and_bounded_stays_in_unit_interval():
    rng = np.random.default_rng(3)
    n = 20000
    t = rng.integers(0, 2, n)
    value = (rng.random(n) < 0.3 + 0.2 * t).astype(float)
    cost = (rng.random(n) < 0.2 + 0.3 * t).astype(float)
    for variant in aucc.VARIANTS:
        random_area = np.mean([aucc.aucc(rng.random(n), t, value, cost, variant) for _ in range(5)])
        assert random_area == pytest.approx(0.5, abs=0.03), variant
    reached = np.mean([aucc.value_at_cost(rng.random(n), t, value, cost) for _ in range(5)], axis=0)
    assert reached == pytest.approx(aucc.COST_SHARES, abs=0.05)
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


def test_cost_cells_carry_the_hcl_code_headline_and_value_at_cost_rows():
    s, t, y = trial(7)
    cost = np.random.default_rng(7).random(t.size) * (1 + t)
    rows = score_cell(
        treatment=t, y=y, outcome_names=("value",), arm_names=("c", "t"), rank_score=s, cost=cost, kind="cost"
    )
    found = {(r["metric"], r["variant"]): r["value"] for r in rows}
    assert HEADLINE["cost"] == ("aucc", "hcl-code")
    assert found[HEADLINE["cost"]] == aucc.aucc(s, t, y, cost, "hcl-code")
    assert {v for m, v in found if m == "aucc"} == set(aucc.VARIANTS)
    reached = [found[("value_at_cost", share)] for share in ("10%", "20%", "30%")]
    assert reached == list(aucc.value_at_cost(s, t, y, cost, (0.1, 0.2, 0.3)))


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
    )
    metric, variant = HEADLINE["effect"]
    headline = [r for r in rows if (r["metric"], r["variant"]) == (metric, variant)]
    assert {(r["arm"], r["outcome"]) for r in headline} == {
        (a, o) for a in ("m", "w", "mean") for o in ("visit", "conversion")
    }
    errors = pehe_rows(("visit", "conversion"), ("c", "m", "w"), np.zeros_like(effects), effects)
    assert {(r["arm"], r["outcome"]) for r in errors} == {
        (a, o) for a in ("m", "w") for o in ("visit", "conversion")
    }


@pytest.mark.parametrize("bad", [0.999, np.nan, -1.0, 3.0])
def test_treatment_codes_are_checked_before_the_integer_cast(bad):
    s, t, y = trial(4, n=200)
    treatment = t.astype(float)
    treatment[7] = bad
    message = "NaN" if np.isnan(bad) else "arm codes 0..2"
    with pytest.raises(ValueError, match=message):
        score_cell(treatment=treatment, y=y, outcome_names=("y",), arm_names=("c", "a", "b"), rank_score=s)
    with pytest.raises(ValueError, match=message):
        policy.policy_value(np.zeros(t.size), treatment, y, np.full((t.size, 3), 1 / 3))


@pytest.mark.parametrize("k", [True, "3", np.array(3), None, 1.0, 0, 200])
@pytest.mark.parametrize("strategy", ["overall", "by_group"])
def test_uplift_at_k_checks_k_for_both_strategies(k, strategy):
    s, t, y = trial(4, n=200)
    with pytest.raises(ValueError, match="k"):
        at_k.uplift_at_k(s, t, y, k, strategy)


def test_policy_value_on_empty_input_raises():
    with pytest.raises(ValueError, match="at least one row"):
        policy.policy_value(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros((0, 2)))


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


def test_bootstrap_drops_undefined_resamples_and_lets_bad_input_through():
    s, t, y = trial(6, n=300)
    rare = np.zeros(y.size)
    rare[:2] = 1.0  # most resamples keep a responder, some do not (one class: undefined)
    low, high = bootstrap.bootstrap_ci(areas.qini_sklift, s, t, rare, n_boot=50, seed=2)
    assert np.isfinite(low) and np.isfinite(high)

    def broken(score, treatment, outcome):
        raise ValueError("a bug, not an undefined metric")

    with pytest.raises(ValueError, match="a bug"):
        bootstrap.bootstrap_ci(broken, s, t, y, n_boot=5)


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
