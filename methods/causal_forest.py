"""econml's CausalForestDML (Wager and Athey 2018; Athey, Tibshirani and Wager 2019)."""

from methods import Capabilities
from methods.core.base import RATIO_RULES
from methods.core.econml_adapter import EconmlPerTarget, prior_classifier


class CausalForest(EconmlPerTarget):
    """Generalised random forest on DML residuals, all arms in one forest, one forest per target column.

    With cost in the data it fits a second forest on cost and ranks by the ratio tau_v / tau_c: `ratio`
    "plain" is the HCL paper's causal-forest baseline (its text and 2020 code), "relu" the 2025 code's
    relu(tau_v) / (relu(tau_c) + 1e-5); `ratio` changes the ranking only, so one fit serves both (a
    suite's `rankings`). n_jobs is 1: econml's forest is bit-reproducible only then. drate is off: its
    out-of-bag average effect over the training rows is used by nothing here."""

    name = "causal-forest"
    capabilities = Capabilities(native="econml: all arms in one forest; one forest per target")
    references = (
        "Athey, Tibshirani and Wager 2019, Generalized random forests, Annals of Statistics",
        "econml 0.17: econml.dml.CausalForestDML",
    )
    defaults = {
        "n_estimators": 100,
        "min_samples_leaf": 5,
        "max_depth": None,
        "max_samples": 0.45,
        "max_features": None,  # every feature at each split (econml: None as "auto"); a count or fraction
        "min_balancedness_tol": 0.45,
        "ratio": "plain",
    }
    ranking_params = frozenset({"ratio"})
    param_choices = {"ratio": RATIO_RULES}
    fast_params = {"n_estimators": 10}

    @classmethod
    def search_space(cls, trial):
        return {
            "n_estimators": trial.suggest_int("n_estimators", 50, 300, step=25),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 3, 100, log=True),
            "max_depth": trial.suggest_categorical("max_depth", [None, 6, 10, 20]),
            "max_samples": trial.suggest_float("max_samples", 0.1, 0.5),
        }

    def _estimator(self, seed):
        from econml.dml import CausalForestDML

        return CausalForestDML(
            model_y=self.nuisance(seed),
            model_t=prior_classifier(),
            discrete_treatment=True,
            n_jobs=1,
            random_state=seed,
            inference=False,
            drate=False,
            **self.fit_params(),
        )
