"""The keys and values MTMT's treatment queries attend over, as two operations on a set of tokens (n, g, T,
w): `project` (each token times a few columns) and `pool` (weighted sums of the tokens). Attention needs
nothing else once the queries are folded into the key weights and the value projection follows the
pooling, so the raw-feature tokens never have to be built."""

from __future__ import annotations

import torch
from torch.nn import functional as F

EPS = 1e-12  # F.normalize's floor on the norm


class HeldTokens:
    """Tokens held as a tensor (n, g, T, w), L2-normalised: the slices of each task's representation."""

    def __init__(self, tokens: torch.Tensor) -> None:
        self.tokens = F.normalize(tokens, dim=-1, eps=EPS)

    def project(self, columns: torch.Tensor) -> torch.Tensor:
        """(w, k) -> (n, g, T, k)."""
        n, groups, count, width = self.tokens.shape
        return (self.tokens.reshape(-1, width) @ columns).view(n, groups, count, -1)

    def pool(self, weights: torch.Tensor) -> torch.Tensor:
        """Weights (n, g, T, Q, h) -> sums over the tokens (n, g, Q, h, w)."""
        return torch.einsum("ngtqh,ngti->ngqhi", weights, self.tokens)


class FeatureTokens:
    """The raw-feature tokens normalise(x_j w_j + b_j) (n, 1, features, w), never built: token j is
    alpha_j w_j + beta_j b_j with alpha_j = x_j / r_j, beta_j = 1 / r_j and r_j = |x_j w_j + b_j|, whose
    square is the quadratic x_j^2 |w_j|^2 + 2 x_j w_j.b_j + |b_j|^2 (floored at EPS as F.normalize does).
    Projections and pooled sums then cost per feature, not per feature and token width."""

    def __init__(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> None:
        square = x * x * (weight * weight).sum(1) + 2 * x * (weight * bias).sum(1) + (bias * bias).sum(1)
        inverse = square.clamp_min(EPS**2).rsqrt()
        self.alpha, self.beta = (x * inverse)[:, None], inverse[:, None]  # (n, 1, features)
        self.weight, self.bias = weight, bias

    def project(self, columns: torch.Tensor) -> torch.Tensor:
        """(w, k) -> (n, 1, features, k)."""
        return self.alpha[..., None] * (self.weight @ columns) + self.beta[..., None] * (self.bias @ columns)

    def pool(self, weights: torch.Tensor) -> torch.Tensor:
        """Weights (n, 1, features, Q, h) -> sums over the tokens (n, 1, Q, h, w)."""
        mixed = torch.cat([weights * self.alpha[..., None, None], weights * self.beta[..., None, None]], 2)
        return torch.einsum("ngtqh,ti->ngqhi", mixed, torch.cat([self.weight, self.bias]))
