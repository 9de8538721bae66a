"""MTMT: multi-treatment multi-task uplift network (arXiv 2408.12803), with its ablation switches."""

from __future__ import annotations

import numpy as np

from methods.core.deep_adapter import TRAINING_DEFAULTS, DeepUplift


class Mtmt(DeepUplift):
    """MMoE user encoder, treatment-to-user attention with a feature enhancer, and per task natural,
    base-uplift and incremental-uplift heads. Switches: interaction, enhancer, mmoe, two_tier,
    stop_gradient (the authors' code stops the gradient through y0 on treated rows)."""

    name = "mtmt"
    network = "mtmt:MTMT"
    references = (
        "Wei et al. 2024, MTMT: multi-treatment multi-task uplift modeling, arXiv 2408.12803",
        "Ma et al. 2018, Modeling task relationships in multi-task learning with multi-gate "
        "mixture-of-experts, KDD",
    )
    defaults = {
        **TRAINING_DEFAULTS,
        "hidden": 32,
        "experts": 4,
        "dropout": 0.2,
        "embedding": 16,
        "attention_dim": 64,
        "heads": 4,
        "attention_dropout": 0.2,
        "interaction": True,
        "enhancer": True,
        "mmoe": True,
        "two_tier": True,
        "stop_gradient": True,
    }

    def explain(self, X: np.ndarray) -> dict[str, np.ndarray | None]:
        """Base uplift (n, targets), incremental uplift (n, K, targets) in the targets' units, and the
        attention weights of each arm's query over the feature tokens (n, K, features) or None; in
        batches, as predictions are."""
        from methods.core.deep.training import predict_in_batches

        Xs, _ = self._scaled(np.asarray(X, dtype=np.float32), None)
        parts = predict_in_batches(self.net_.components, Xs.astype(np.float32))
        scale = self.y_scale_
        return {
            "base": parts["base"] * scale[None, :],
            "incremental": parts["incremental"] * scale[None, None, :],
            "attention": parts["attention"],
        }
