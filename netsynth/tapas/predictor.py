"""The train-less accuracy predictor (TAP): two stacked LSTMs read a network two layers at a
time and predict the accuracy it reaches so far; the prediction after the last pair is the
network's.

Step t's input is [encoding of token 2t | of token 2t+1 (zeros past the end) | global context
(the dataset's DCN, 1/classes, epochs, learning rate) | the accuracy field: the prediction of
step t-1, 1/N_classes at the first step]. Each prediction lies in [1/N_classes, 1].

>>> import numpy as np
>>> from netsynth.space.chain_genotype import ChainGenotype, Layer
>>> tap = TAP(seed=0)
>>> net = ChainGenotype((Layer("conv", 16, 3),))
>>> acc = tap.predict([net], dcn=0.3, input_shape=(1, 40), num_classes=10)
>>> bool(0.1 <= acc[0] <= 1.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from netsynth.space.genotype import Genotype
from netsynth.tapas.encoding import OWN_WIDTH, TOKEN_WIDTH, token_rows
from netsynth.tapas.lde_record import LDERecord

CONTEXT_WIDTH = 4  # DCN, 1/classes, epochs, learning rate
STEP_WIDTH = 2 * TOKEN_WIDTH + CONTEXT_WIDTH + 1  # two tokens, context, accuracy field


@dataclass(frozen=True)
class TAPConfig:
    hidden: int = 64  # units of each of the two LSTMs
    # Minibatches of 128 for 40 passes: on the seed LDE's five datasets outside the eight
    # evaluation datasets (benchmarks/predictors.py), it ranked as well or better than 200
    # full-batch steps, 2-4x faster
    epochs: int = 40  # passes of Adam over the selected records
    batch_size: int | None = 128  # records per step; None: one full-batch step per pass
    lr: float = 1e-2
    weight_decay: float = 1e-4
    # data-free zero-cost proxies appended to the context (netsynth.tapas.proxy_features)
    proxies: tuple[str, ...] = ()
    # weight of a pairwise ranking loss between networks of the same dataset (0: MSE only):
    # a search ranks candidates on one dataset, the squared error also learns offsets between
    # datasets. On the seed LDE's five datasets outside the eight evaluation datasets
    # (benchmarks/predictors.py), 0.1 ranked better than MSE alone on all five (mean Kendall
    # tau 0.580 against 0.540); 0.3 ranked a little better still (0.594) but predicted
    # accuracies worse (mean error on the planted relation of tests/tapas 0.07, against 0.04
    # at 0.1, 0.03 at 0)
    rank_weight: float = 0.1

    def __post_init__(self) -> None:
        from netsynth.tapas.proxy_features import check_proxies

        object.__setattr__(self, "proxies", check_proxies(self.proxies))


def context_of(dcn: float, num_classes: int, training: dict[str, Any] | None) -> list[float]:
    training = training or {}
    epochs = float(training.get("epochs", 4))
    lr = float(training.get("lr", 3e-3))
    return [dcn, 1.0 / num_classes, math.log2(epochs + 1) / 5.0, (math.log10(lr) + 4.0) / 4.0]


def encode_batch(
    genotypes: Sequence[Genotype | dict[str, Any]],
    contexts: Sequence[Sequence[float]],
    input_shapes: Sequence[Sequence[int]],
    num_classes: Sequence[int],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(N, T, 2 * TOKEN_WIDTH + CONTEXT_WIDTH) step inputs (no accuracy field), the number of
    steps of each network (N,), and the chance accuracy 1/N_classes of each (N,)."""
    encoded = [
        token_rows(g, s, k) for g, s, k in zip(genotypes, input_shapes, num_classes, strict=True)
    ]
    steps = [(len(e) + 1) // 2 for e in encoded]
    # written in place, token by token: (N, 2T, TOKEN_WIDTH) is the same memory as (N, T, 2 *
    # TOKEN_WIDTH), so token 2t and 2t+1 land side by side in step t
    tokens = np.zeros((len(encoded), 2 * max(steps, default=1), TOKEN_WIDTH), dtype=np.float32)
    for i, rows in enumerate(encoded):
        for t, (own, summary) in enumerate(rows):
            tokens[i, t, :OWN_WIDTH] = own
            tokens[i, t, OWN_WIDTH:] = summary
    n, t2, _ = tokens.shape
    context = np.asarray(contexts, dtype=np.float32).reshape(n, 1, -1)
    active = np.arange(t2 // 2)[None, :, None] < np.asarray(steps)[:, None, None]
    x = np.concatenate(
        [
            tokens.reshape(n, t2 // 2, 2 * TOKEN_WIDTH),
            np.broadcast_to(context, (n, t2 // 2, context.shape[2])) * active,
        ],
        axis=2,
    )
    chance = torch.tensor([1.0 / k for k in num_classes], dtype=torch.float32)
    return torch.from_numpy(x), torch.tensor(steps), chance


def rank_loss(predicted: torch.Tensor, target: torch.Tensor, group: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss over the ordered pairs of one dataset (``group``) whose accuracies
    differ by more than 0.5 points: softplus(-(p_i - p_j) / 0.05) where a_i > a_j."""
    ordered = (group[:, None] == group[None, :]) & (target[:, None] - target[None, :] > 0.005)
    if not bool(ordered.any()):
        return predicted.new_zeros(())
    margin = (predicted[:, None] - predicted[None, :]) / 0.05
    return nn.functional.softplus(-margin[ordered]).mean()


class TAPNet(nn.Module):
    def __init__(self, hidden: int, extra: int = 0) -> None:
        """``extra``: context numbers beyond CONTEXT_WIDTH (proxy features)."""
        super().__init__()
        self.lstm1 = nn.LSTMCell(STEP_WIDTH + extra, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, steps: torch.Tensor, chance: torch.Tensor) -> torch.Tensor:
        """x (N, T, STEP_WIDTH - 1) -> the accuracy after each network's last step (N,).

        The networks are sorted by their number of steps, longest first, so that step t runs
        only on the prefix still going: no work is spent on padding."""
        order = torch.argsort(steps, descending=True, stable=True)
        x, chance = x[order], chance[order]
        going = [int(k) for k in (steps[order][None, :] > torch.arange(x.shape[1])[:, None]).sum(1)]
        h1 = c1 = x.new_zeros(x.shape[0], self.lstm1.hidden_size)
        h2 = c2 = x.new_zeros(x.shape[0], self.lstm2.hidden_size)
        accuracy = chance
        done: list[torch.Tensor] = []  # the accuracies of the networks that ended, by step
        for t, k in enumerate(going):
            if k < len(accuracy):  # the tail ended at the previous step
                done.append(accuracy[k:])
                h1, c1, h2, c2, accuracy, chance = (
                    v[:k] for v in (h1, c1, h2, c2, accuracy, chance)
                )
            h1, c1 = self.lstm1(torch.cat([x[:k, t], accuracy[:, None]], 1), (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            accuracy = chance + (1 - chance) * torch.sigmoid(self.head(h2)[:, 0])
        ordered = torch.cat([accuracy, *reversed(done)])
        return ordered[torch.argsort(order)]


class TAP:
    """Fit on LDE records, then predict accuracies of unseen networks without training them."""

    def __init__(self, config: TAPConfig | None = None, *, seed: int = 0) -> None:
        self.config = config or TAPConfig()
        self.seed = seed
        torch.manual_seed(seed)
        self.net = TAPNet(self.config.hidden, len(self.config.proxies))
        self.fitted_on = 0

    def _with_proxies(
        self,
        contexts: list[list[float]],
        genotypes: Sequence[Genotype | dict[str, Any]],
        shapes: Sequence[Sequence[int]],
        classes: Sequence[int],
    ) -> list[list[float]]:
        if not self.config.proxies:
            return contexts
        from netsynth.tapas.proxy_features import proxy_features

        return [
            [*c, *proxy_features(g, s, k, self.config.proxies)]
            for c, g, s, k in zip(contexts, genotypes, shapes, classes, strict=True)
        ]

    def fit(self, records: Sequence[LDERecord]) -> TAP:
        if not records:
            raise ValueError("the TAP needs at least one LDE record to learn from")
        genotypes = [r.genotype for r in records]
        shapes = [r.input_shape for r in records]
        classes = [r.num_classes for r in records]
        contexts = [context_of(r.dcn, r.num_classes, r.training) for r in records]
        contexts = self._with_proxies(contexts, genotypes, shapes, classes)
        x, steps, chance = encode_batch(genotypes, contexts, shapes, classes)
        target = torch.tensor([r.accuracy for r in records], dtype=torch.float32)
        names = sorted({r.dataset for r in records})
        group = torch.tensor([names.index(r.dataset) for r in records])
        torch.manual_seed(self.seed)
        self.net = TAPNet(self.config.hidden, len(self.config.proxies))
        optimizer = torch.optim.Adam(
            self.net.parameters(), lr=self.config.lr, weight_decay=self.config.weight_decay
        )
        self.net.train()
        generator = torch.Generator().manual_seed(self.seed)
        size = self.config.batch_size or len(target)
        for _ in range(self.config.epochs):
            order = torch.randperm(len(target), generator=generator) if size < len(target) else None
            for start in range(0, len(target), size):
                i = order[start : start + size] if order is not None else slice(None)
                predicted = self.net(x[i], steps[i], chance[i])
                loss = nn.functional.mse_loss(predicted, target[i])
                if self.config.rank_weight:
                    loss = loss + self.config.rank_weight * rank_loss(
                        predicted, target[i], group[i]
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        self.net.eval()
        self.fitted_on = len(records)
        return self

    def predict(
        self,
        genotypes: Sequence[Genotype | dict[str, Any]],
        *,
        dcn: float,
        input_shape: Sequence[int],
        num_classes: int,
        training: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
    ) -> NDArray[np.float64]:
        """Predicted accuracies of ``genotypes`` on a dataset of this DCN and shape."""
        if isinstance(training, (list, tuple)):
            contexts = [context_of(dcn, num_classes, t) for t in training]
        else:  # one recipe for all
            contexts = [context_of(dcn, num_classes, training)] * len(genotypes)  # type: ignore[arg-type]
        shapes = [input_shape] * len(genotypes)
        classes = [num_classes] * len(genotypes)
        contexts = self._with_proxies(contexts, genotypes, shapes, classes)
        x, steps, chance = encode_batch(genotypes, contexts, shapes, classes)
        with torch.inference_mode():
            return self.net(x, steps, chance).double().numpy()
