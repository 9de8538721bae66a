"""The authors' published MTMT network (Tencent_uplift, model_hub.mtmt_mmoe_emb_v0) as a labelled row beside
the paper's form (`mtmt`), trained by this suite's protocol.

The network and every adaptation of the port: methods/core/deep/mtmt_authors.py and
docs/reproduction-mtmt.md (arm index into a K + 1-row embedding, the business-prior loss term dropped,
unused heads left out, this suite's optimiser, batch rule and validation-only selection)."""

from __future__ import annotations

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class MtmtAuthors(DeepUplift):
    """MMoE of four 1-D ResNet-18 experts over the feature axis, sign-normalised treatment-embedding tokens
    attending over the tasks' encodings, one uplift scalar shared by every task."""

    name = "mtmt-authors"
    network = "mtmt_authors:MTMTAuthors"
    references = (
        "Wei et al. 2024, MTMT: multi-treatment multi-task uplift modeling, arXiv 2408.12803; the authors' "
        "code, github.com/yuxiangwei0808/Tencent_uplift (models/mtmt.py, model_hub.mtmt_mmoe_emb_v0)",
    )
    defaults = {
        **DEEP_DEFAULTS,
        "width": 16,
        "experts": 4,
        "embedding": 16,
        "attention_dim": 256,
        "heads": 4,
        "attention_dropout": 0.2,
    }
    fast_params = {"max_epochs": 2, "min_steps": 2, "width": 4, "experts": 2, "attention_dim": 16}

    @classmethod
    def search_space(cls, trial):
        """The optimiser settings every deep method is tuned over; the architecture stays the authors'."""
        return {
            "lr": trial.suggest_float("lr", 3e-4, 3e-3, log=True),
            "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-2, log=True),
        }
