"""FlexTENet: shared and per-arm private subspaces in every layer."""

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class FlexTeNet(DeepUplift):
    """Per-arm heads on shared plus private streams, with an orthogonality penalty between them."""

    name = "flextenet"
    network = "baselines:FlexTENet"
    references = (
        "Curth and van der Schaar 2021, On inductive biases for heterogeneous treatment effect estimation, "
        "NeurIPS",
    )
    capacity = {"layers": [2, 3, 4], "private": [16, 32, 64]}
    defaults = {
        **DEEP_DEFAULTS, "hidden": 64, "layers": 3, "dropout": 0.1, "private": 32, "orthogonality": 0.01,
    }  # fmt: skip
