"""ENAS (Pham et al. 2018): an LSTM controller samples child cells that share one set of
supernet weights; the weights train on sampled children, the controller with REINFORCE on the
children's validation accuracy under the shared weights.

The controller is the REINFORCE strategy's (``netsynth.strategies.reinforce.Controller``):
one decision per edge, each over the candidate ops.
"""

from __future__ import annotations

from typing import Any

import torch

from netsynth.oneshot.supernet import NB201Supernet
from netsynth.space.nb201_genotype import EDGES
from netsynth.strategies.reinforce import Controller


def sample(
    controller: Controller, generator: torch.Generator | None, greedy: bool = False
) -> tuple[list[int], torch.Tensor, torch.Tensor]:
    """One child cell: (op index per edge, sum of log-probabilities, mean entropy)."""
    x, state = controller.start, None
    choice: list[int] = []
    log_prob = torch.zeros(())
    entropy = torch.zeros(())
    for t in range(len(EDGES)):
        logits, state = controller.step(x, state, t)
        log_p = torch.log_softmax(logits[0], dim=0)
        if greedy:
            action = int(log_p.argmax())
        else:
            action = int(torch.multinomial(log_p.exp(), 1, generator=generator).item())
        choice.append(action)
        log_prob = log_prob + log_p[action]
        entropy = entropy - (log_p.exp() * log_p).sum()
        x = controller.embeddings[t](torch.tensor([action]))
    return choice, log_prob, entropy / len(EDGES)


class FairSampler:
    """Children for training the shared weights with strict fairness (FairNAS; Chu et al.
    2021): every ``ops`` consecutive children put each op on each edge exactly once, so no op's
    weights fall behind because the controller samples it less (which biases its reward
    towards parameter-free children).

    >>> sampler = FairSampler(edges=2, ops=3, generator=torch.Generator().manual_seed(0))
    >>> children = [sampler.next() for _ in range(3)]
    >>> [sorted(child[e] for child in children) for e in range(2)]
    [[0, 1, 2], [0, 1, 2]]
    """

    def __init__(self, edges: int, ops: int, generator: torch.Generator) -> None:
        self.edges, self.ops, self.generator = edges, ops, generator
        self.order: list[list[int]] = []
        self.t = 0

    def next(self) -> list[int]:
        if self.t % self.ops == 0:
            self.order = [
                torch.randperm(self.ops, generator=self.generator).tolist()
                for _ in range(self.edges)
            ]
        child = [self.order[e][self.t % self.ops] for e in range(self.edges)]
        self.t += 1
        return child

    def state_dict(self) -> dict[str, Any]:
        return {"t": self.t, "order": [list(row) for row in self.order]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.t = int(state["t"])
        self.order = [list(row) for row in state["order"]]


@torch.no_grad()
def child_accuracy(
    supernet: NB201Supernet, choice: list[int], x: torch.Tensor, y: torch.Tensor
) -> float:
    """A child's accuracy on (x, y) with the shared weights (batch norm in training mode, as
    ENAS evaluates children: the running statistics are a mix of every child's)."""
    return float((supernet(x, choice).argmax(dim=1) == y).float().mean())


class ControllerTrainer:
    """REINFORCE with a moving-average baseline and an entropy bonus."""

    def __init__(self, controller: Controller, lr: float, entropy_weight: float) -> None:
        self.controller = controller
        self.optimizer = torch.optim.Adam(controller.parameters(), lr=lr)
        self.entropy_weight = entropy_weight
        self.baseline: float | None = None
        self.decay = 0.95

    def step(self, reward: float, log_prob: torch.Tensor, entropy: torch.Tensor) -> None:
        if self.baseline is None:
            self.baseline = reward
        advantage = reward - self.baseline
        self.baseline = self.decay * self.baseline + (1 - self.decay) * reward
        loss = -advantage * log_prob - self.entropy_weight * entropy
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        self.optimizer.step()

    def state_dict(self) -> dict[str, object]:
        return {
            "controller": self.controller.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "baseline": self.baseline,
        }

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.controller.load_state_dict(state["controller"])  # type: ignore[arg-type]
        self.optimizer.load_state_dict(state["optimizer"])  # type: ignore[arg-type]
        self.baseline = state["baseline"]  # type: ignore[assignment]


@torch.no_grad()
def policy(controller: Controller) -> torch.Tensor:
    """(edges, ops): the controller's op probabilities along its most likely walk."""
    x, state = controller.start, None
    rows = []
    for t in range(len(EDGES)):
        logits, state = controller.step(x, state, t)
        p = torch.softmax(logits[0], dim=0)
        rows.append(p)
        x = controller.embeddings[t](p.argmax().view(1))
    return torch.stack(rows)
