"""Constrained ranking model (CRM) of Zou et al. 2020: DRM with a quantile (or cost-budget) barrier."""

from methods.core.ranking_adapter import RANKING_DEFAULTS, CohortRanking


class ConstrainedRanking(CohortRanking):
    """DRM with a barrier: scores are gated by sigmoid(T (s - d)) around the q-quantile d of the scores
    (barrier "quantile") or the score at which the top rows spend `budget` of the cost (barrier "budget"),
    with the temperature T annealed upwards during training.

    The defaults are the 2020 code's recipe (raw linear score, gate "sigmoid": the cohort softmax over
    sigmoid(T (s - d)) with d per cohort; see methods/core/ranking_adapter.py for the rest). Gate "scaled"
    (ours) weights s * sigmoid(T (s - d)) with one d over all rows."""

    name = "crm"
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
        "HCL 2025, arXiv 2507.05510",
    )
    defaults = {
        **RANKING_DEFAULTS,
        "score": "linear",
        "barrier": "quantile",
        "gate": "sigmoid",
        "q": 0.4,
        "budget": 0.4,
        "temperature": 0.5,
        "temperature_step": 0.1,
        "temperature_every": 100,
    }
