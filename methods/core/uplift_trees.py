"""causalml's uplift trees and forests: multi-arm natively, binary outcomes only (declared in their
capabilities, so the harness skips them on continuous outcomes or cost before tuning)."""

from __future__ import annotations

import numpy as np

from methods.core.base import Capabilities
from methods.core.learners import PerTarget

CRITERIA = ("KL", "ED", "Chi", "CTS")


class CausalmlUpliftTree(PerTarget):
    """A causalml uplift tree model per outcome; subclasses set `model_class` and `defaults`."""

    model_class = ""
    capabilities = Capabilities(
        binary_outcomes_only=True, native="causalml: all arms in one tree; one model per outcome"
    )

    def _fit_target(self, X, treatment, y, seed):
        import causalml.inference.tree as tree

        model = getattr(tree, self.model_class)(control_name="0", random_state=seed, **self.params_)
        model.fit(X=X.astype(np.float64), treatment=treatment.astype(str), y=y.astype(np.int64))
        return model

    def _predict_target(self, model, X) -> np.ndarray:
        outcome = np.asarray(model.predict(X.astype(np.float64)))  # (n, K + 1): control first
        if outcome.shape[1] == self.n_arms_:  # the forest returns effects directly
            return outcome
        return outcome[:, 1:] - outcome[:, [0]]
