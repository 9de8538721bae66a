"""The S-learner network of MTMT's table: one network on the features and the one-hot arm."""

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class SLearnerNetwork(DeepUplift):
    """effect(x, k) = f(x, k) - f(x, control), one MLP for every arm and target."""

    name = "slearner-net"
    network = "baselines:SLearnerNet"
    references = ("Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",)
    capacity = {"layers": [2, 3, 4]}
    defaults = {**DEEP_DEFAULTS, "hidden": 64, "layers": 3, "dropout": 0.1}
