"""causalml's UpliftTreeClassifier (Rzepakowski and Jaroszewicz 2012)."""

from methods.core.uplift_trees import CRITERIA, CausalmlUpliftTree


class UpliftTree(CausalmlUpliftTree):
    """One uplift tree (KL, ED, Chi or CTS split criterion) serving every arm; binary outcomes."""

    name = "uplift-tree"
    model_class = "UpliftTreeClassifier"
    references = (
        "Rzepakowski and Jaroszewicz 2012, Decision trees for uplift modeling with single and multiple "
        "treatments, KAIS",
        "causalml 0.18: causalml.inference.tree.UpliftTreeClassifier",
    )
    defaults = {
        "evaluationFunction": "KL",
        "max_depth": 4,
        "min_samples_leaf": 200,
        "min_samples_treatment": 50,
    }

    @classmethod
    def search_space(cls, trial):
        return {
            "evaluationFunction": trial.suggest_categorical("evaluationFunction", CRITERIA),
            "max_depth": trial.suggest_int("max_depth", 2, 8),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 50, 1000, log=True),
            "min_samples_treatment": trial.suggest_int("min_samples_treatment", 10, 200, log=True),
        }
