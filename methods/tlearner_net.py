"""The T-learner network of MTMT's table: one MLP per arm, control included."""

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class TLearnerNetwork(DeepUplift):
    """effect(x, k) = f_k(x) - f_0(x), each f a separate MLP over every target."""

    name = "tlearner-net"
    network = "baselines:TLearnerNet"
    references = ("Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",)
    capacity = {"layers": [2, 3, 4]}
    defaults = {**DEEP_DEFAULTS, "hidden": 64, "layers": 3, "dropout": 0.1}
