"""Constrained ranking model (CRM) of Zou et al. 2020: DRM with a quantile (or cost-budget) barrier."""

from methods.core.ranking_adapter import RANKING_DEFAULTS, CohortRanking


class ConstrainedRanking(CohortRanking):
    """DRM whose scores are gated by sigmoid(T (s - d)) around the q-quantile d of the scores (barrier
    "quantile") or the score at which the top rows spend `budget` of the cost (barrier "budget"), with
    the temperature T annealed upwards during training."""

    name = "crm"
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
        "HCL 2025, arXiv 2507.05510",
    )
    defaults = {
        **RANKING_DEFAULTS,
        "barrier": "quantile",
        "q": 0.4,
        "budget": 0.4,
        "temperature": 0.5,
        "temperature_step": 0.1,
        "temperature_every": 100,
    }
