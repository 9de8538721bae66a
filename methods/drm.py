"""Direct ranking model (DRM) of Zou et al. 2020."""

from methods.core.ranking_adapter import RANKING_DEFAULTS, CohortRanking


class DirectRanking(CohortRanking):
    """Scores softmax-weighted within the treated and control cohorts, trained to minimise the ratio of
    incremental cost to incremental value; linear (hidden=0) or one hidden tanh layer. The defaults are
    the 2020 code's recipe (methods/core/ranking_adapter.py)."""

    name = "drm"
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
        "HCL 2025, arXiv 2507.05510",
    )
    defaults = dict(RANKING_DEFAULTS)
