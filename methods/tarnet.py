"""TARNet: a shared representation with one outcome head per arm."""

from methods.core.deep_adapter import DEEP_DEFAULTS, DeepUplift


class TarNet(DeepUplift):
    """effect(x, k) = h_k(phi(x)) - h_0(phi(x))."""

    name = "tarnet"
    network = "baselines:TARNet"
    references = ("Shalit, Johansson and Sontag 2017, Estimating individual treatment effect, ICML",)
    capacity = {"layers": [2, 3, 4]}
    defaults = {**DEEP_DEFAULTS, "hidden": 64, "layers": 3, "dropout": 0.1}
