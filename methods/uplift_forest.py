"""causalml's UpliftRandomForestClassifier (Guelman et al. 2015)."""

from methods.core.uplift_trees import CRITERIA, CausalmlUpliftTree


class UpliftForest(CausalmlUpliftTree):
    """A random forest of uplift trees serving every arm; binary outcomes."""

    name = "uplift-forest"
    model_class = "UpliftRandomForestClassifier"
    references = (
        "Guelman, Guillen and Perez-Marin 2015, Uplift random forests, Cybernetics and Systems",
        "causalml 0.18: causalml.inference.tree.UpliftRandomForestClassifier",
    )
    defaults = {
        "evaluationFunction": "KL",
        "n_estimators": 20,
        "max_depth": 5,
        "min_samples_leaf": 200,
        "max_features": 6,
        "n_jobs": 1,
    }
    fast_params = {"n_estimators": 10}
    param_ranges = {"n_jobs": (-1, None)}  # joblib's -1: every core

    @classmethod
    def search_space(cls, trial):
        return {
            "evaluationFunction": trial.suggest_categorical("evaluationFunction", CRITERIA),
            "n_estimators": trial.suggest_int("n_estimators", 10, 60, log=True),
            "max_depth": trial.suggest_int("max_depth", 3, 8),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 50, 1000, log=True),
        }
