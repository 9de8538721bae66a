"""MTMT: multi-treatment multi-task uplift network (arXiv 2408.12803), with its ablation switches.

The network lives in methods/core/deep/mtmt.py; docs/reproduction-mtmt.md says where it follows the paper
and where the authors' code departs from it."""

from __future__ import annotations

import numpy as np

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class Mtmt(DeepUplift):
    """MMoE user encoder, treatment-to-user attention with a feature enhancer, and per task natural,
    base-uplift and incremental-uplift heads. attention_keys: "task" (the paper: each task's MMoE output
    cut into `tokens` tokens) or "features" (one token per raw feature). Switches: interaction, enhancer,
    mmoe, two_tier, stop_gradient (through y0 on treated rows, as the authors' code; off by default, as the
    paper's formula)."""

    name = "mtmt"
    network = "mtmt:MTMT"
    references = (
        "Wei et al. 2024, MTMT: multi-treatment multi-task uplift modeling, arXiv 2408.12803",
        "Ma et al. 2018, Modeling task relationships in multi-task learning with multi-gate "
        "mixture-of-experts, KDD",
    )
    capacity = {"experts": [2, 4, 8], "tokens": [2, 4, 8], "attention_dim": [32, 64, 128]}
    defaults = {
        **DEEP_DEFAULTS,
        "hidden": 64,
        "experts": 4,
        "dropout": 0.2,
        "embedding": 16,
        "attention_dim": 64,
        "heads": 4,
        "attention_dropout": 0.2,
        "attention_keys": "task",
        "tokens": 4,
        "interaction": True,
        "enhancer": True,
        "mmoe": True,
        "two_tier": True,
        "stop_gradient": False,
    }

    def explain(self, X: np.ndarray) -> dict[str, np.ndarray | None]:
        """Natural response (n, targets), base uplift (n, targets) and incremental uplift (n, K, targets)
        in the targets' units; `attention`: each arm's weights over the feature tokens (n, K, features)
        with attention_keys="features", else None; `token_attention`: the weights over every token set
        (n, K, sets, tokens), sets = targets for "task". In batches, as predictions are."""
        parts = self._components(X)
        scale = self.y_scale_
        weights = parts["attention"]
        features = weights is not None and self.params_["attention_keys"] == "features"
        return {
            "natural": parts["natural"] * scale[None, :],
            "base": parts["base"] * scale[None, :],
            "incremental": parts["incremental"] * scale[None, None, :],
            "attention": weights[:, :, 0] if features else None,
            "token_attention": weights,
        }

    def _predict(self, X: np.ndarray) -> np.ndarray:
        """The effects as the network's `effects` computes them (base + incremental, in float32), in the
        targets' units: from the same pass over X as `explain`."""
        parts = self._components(X)
        return (parts["base"][:, None, :] + parts["incremental"]) * self.y_scale_[None, None, :]

    def _components(self, X: np.ndarray) -> dict[str, np.ndarray | None]:
        """The network's components of X's rows (standardised units), in batches; inside
        `predicting_once` computed once per input array and shared by predict and explain, so that scoring
        a test split (prediction, then the explanation columns) runs the network over it once."""
        from methods.core.deep.training import predict_in_batches

        cache, key = getattr(self, "_effects_cache", None), ("components", id(X))
        if cache is not None and key in cache:
            return cache[key][1]
        Xs, _ = self._scaled(np.asarray(X, dtype=np.float32), None)
        parts = predict_in_batches(self.net_.components, Xs.astype(np.float32))
        if cache is not None:
            cache[key] = (X, parts)  # X is kept so that its id cannot be reused by another array
        return parts
