"""A REINFORCE controller (Zoph & Le, 2017): an LSTM emits a candidate decision by decision.

Each parameter of the flat space is one decision, in space order (an architecture's choices,
then its training hyperparameters): a categorical picks a choice, a number one of ``bins``
quantiles of its range; a parameter inactive under earlier decisions is skipped. Step ``t``
feeds the embedding of decision ``t - 1`` into the LSTM and reads decision ``t`` from its own
softmax head.

Each finished trial updates the policy once, in trial-number order: the gradient of
``-(reward - baseline) * log p(decisions)`` minus an entropy bonus, with Adam; ``reward`` is the
goal's score (constraint-breaking trials get the baseline minus one) and ``baseline`` an
exponential moving average of rewards, advantages scaled by a running standard deviation.

The controller's weights, optimizer state and baseline are saved to storage with every
``checkpoint_every``-th proposal (in the trial's ``attrs["controller"]``); a resumed experiment
loads the newest checkpoint and replays the trials finished since, so it continues the same
policy and proposes exactly what an uninterrupted run would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from netsynth.space.distributions import CategoricalDistribution, Distribution, ParamValue
from netsynth.space.flat_mutation import to_unit
from netsynth.space.search_space import SearchSpace
from netsynth.strategies.base import BaseStrategy
from netsynth.strategies.context import StrategyContext
from netsynth.strategies.strategy import Candidate
from netsynth.trial_record import TrialRecord

_ATTR = "controller"


def _choices(distribution: Distribution, bins: int) -> list[ParamValue]:
    if isinstance(distribution, CategoricalDistribution):
        return list(distribution.choices)
    values = [distribution.from_unit((i + 0.5) / bins) for i in range(bins)]
    return list(dict.fromkeys(values))  # an int range narrower than bins has fewer


class Controller(nn.Module):
    """The policy: per decision an embedding table (its input to the next step) and a head."""

    def __init__(self, sizes: Sequence[int], hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.cell = nn.LSTMCell(hidden, hidden)
        self.embeddings = nn.ModuleList(nn.Embedding(n, hidden) for n in sizes)
        self.heads = nn.ModuleList(nn.Linear(hidden, n) for n in sizes)

    def step(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None, t: int
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        h, c = self.cell(x, state)
        return self.heads[t](h), (h, c)


class Reinforce(BaseStrategy):
    name = "reinforce"
    setting_names = (
        "hidden",
        "bins",
        "learning_rate",
        "baseline_decay",
        "entropy_weight",
        "checkpoint_every",
    )

    def __init__(
        self,
        seed: int = 0,
        *,
        hidden: int = 32,
        bins: int = 8,
        learning_rate: float = 0.01,
        baseline_decay: float = 0.9,
        entropy_weight: float = 1e-3,
        checkpoint_every: int = 10,
        context: StrategyContext | None = None,
    ) -> None:
        for name, value, ok in (
            ("hidden", hidden, hidden >= 1),
            ("bins", bins, bins >= 2),
            ("learning_rate", learning_rate, learning_rate > 0),
            ("baseline_decay", baseline_decay, 0 <= baseline_decay < 1),
            ("entropy_weight", entropy_weight, entropy_weight >= 0),
            ("checkpoint_every", checkpoint_every, checkpoint_every >= 1),
        ):
            if not ok:
                raise ValueError(f"{name}={value!r} is out of range")
        super().__init__(seed, context=context)
        self.hidden = int(hidden)
        self.bins = int(bins)
        self.learning_rate = float(learning_rate)
        self.baseline_decay = float(baseline_decay)
        self.entropy_weight = float(entropy_weight)
        self.checkpoint_every = int(checkpoint_every)
        self._space: SearchSpace | None = None
        self._choices: list[list[ParamValue]] = []
        self._policy: Controller | None = None
        self._optimizer: torch.optim.Optimizer | None = None
        self._baseline: float | None = None
        self._spread = 0.0  # running mean of squared advantages
        self._seen: list[int] = []  # trial numbers learned from, in order
        self._seen_set: set[int] = set()

    # -- state ---------------------------------------------------------------------------------

    def _reset(self, space: SearchSpace) -> None:
        self._space = space
        self._choices = [_choices(d, self.bins) for d in space.values()]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self._policy = Controller([len(c) for c in self._choices], self.hidden)
        self._optimizer = torch.optim.Adam(self._policy.parameters(), lr=self.learning_rate)
        self._baseline, self._spread, self._seen, self._seen_set = None, 0.0, [], set()

    def _checkpoint(self) -> dict[str, Any]:
        assert self._policy is not None and self._optimizer is not None
        buffer = io.BytesIO()
        torch.save(
            {"policy": self._policy.state_dict(), "optimizer": self._optimizer.state_dict()}, buffer
        )
        return {
            "weights": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "baseline": self._baseline,
            "spread": self._spread,
            "seen": list(self._seen),
        }

    def _restore(self, data: Mapping[str, Any]) -> None:
        assert self._policy is not None and self._optimizer is not None
        blob = torch.load(io.BytesIO(base64.b64decode(data["weights"])), weights_only=True)
        self._policy.load_state_dict(blob["policy"])
        self._optimizer.load_state_dict(blob["optimizer"])
        self._baseline = data["baseline"]
        self._spread = float(data["spread"])
        self._seen = [int(n) for n in data["seen"]]
        self._seen_set = set(self._seen)

    def _catch_up(self, space: SearchSpace, history: Sequence[TrialRecord]) -> None:
        """Bring the policy up to date with ``history``: after a restart from the newest
        checkpoint in it, then one update per finished trial not yet learned from."""
        if self._space is None or self._space != space:
            self._reset(space)
            saved = [t for t in history if _ATTR in t.attrs]
            if saved:
                self._restore(max(saved, key=lambda t: t.number).attrs[_ATTR])
        fresh = sorted(
            (t for t in history if t.number not in self._seen_set),
            key=lambda t: t.number,
        )
        for trial in fresh:
            score = self.context.goal.score(trial)
            if score is None:
                continue
            self._learn(trial.params, score)
            self._seen.append(trial.number)
            self._seen_set.add(trial.number)

    # -- the policy ----------------------------------------------------------------------------

    def _actions(self, params: Mapping[str, ParamValue]) -> list[int | None]:
        """The decision index of each parameter in ``params`` (None where inactive)."""
        assert self._space is not None
        out: list[int | None] = []
        for (name, distribution), choices in zip(self._space.items(), self._choices, strict=True):
            if name not in params:
                out.append(None)
            elif isinstance(distribution, CategoricalDistribution):
                out.append(choices.index(params[name]))
            else:
                u = to_unit(distribution, params[name])
                out.append(min(int(u * len(choices)), len(choices) - 1))
        return out

    def _run(
        self, actions: list[int | None] | None, generator: torch.Generator | None
    ) -> tuple[list[int | None], torch.Tensor, torch.Tensor]:
        """Walk the decisions, sampling (``actions`` None) or scoring given actions; returns
        the actions, the sum of their log-probabilities and the mean entropy."""
        assert self._policy is not None and self._space is not None
        policy = self._policy
        x, state = policy.start, None
        taken: list[int | None] = []
        params: dict[str, ParamValue] = {}
        log_prob = torch.zeros(())
        entropy = torch.zeros(())
        steps = 0
        for t, (name, _) in enumerate(self._space.items()):
            if not self._space.is_active(name, params):
                taken.append(None)
                continue
            logits, state = policy.step(x, state, t)
            log_p = torch.log_softmax(logits[0], dim=0)
            if actions is None:
                action = int(torch.multinomial(log_p.exp(), 1, generator=generator).item())
            else:
                given = actions[t]
                assert given is not None
                action = given
            taken.append(action)
            params[name] = self._choices[t][action]
            log_prob = log_prob + log_p[action]
            entropy = entropy - (log_p.exp() * log_p).sum()
            steps += 1
            x = policy.embeddings[t](torch.tensor([action]))
        return taken, log_prob, entropy / max(steps, 1)

    def _learn(self, params: Mapping[str, ParamValue], score: float) -> None:
        assert self._optimizer is not None
        reward = score
        if score < -1e11:  # broke a constraint: worse than typical, not astronomically so
            reward = (self._baseline if self._baseline is not None else 0.0) - 1.0
        if self._baseline is None:
            self._baseline = reward
        advantage = reward - self._baseline
        self._spread = self.baseline_decay * self._spread + (1 - self.baseline_decay) * advantage**2
        scaled = advantage / math.sqrt(self._spread) if self._spread > 1e-12 else 0.0
        self._baseline = self.baseline_decay * self._baseline + (1 - self.baseline_decay) * reward
        _, log_prob, entropy = self._run(self._actions(params), None)
        loss = -scaled * log_prob - self.entropy_weight * entropy
        self._optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        self._optimizer.step()

    # -- the protocol --------------------------------------------------------------------------

    def propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tiny ops: threads only add waiting, worst on a busy machine
        try:
            return self._propose(space, history, numbers)
        finally:
            torch.set_num_threads(threads)

    def _propose(
        self, space: SearchSpace, history: Sequence[TrialRecord], numbers: Sequence[int]
    ) -> list[Candidate]:
        self._catch_up(space, history)
        out = []
        for number in numbers:
            generator = torch.Generator().manual_seed(_seed_of(self.seed, number))
            with torch.no_grad():
                actions, _, _ = self._run(None, generator)
            params = {
                name: self._choices[t][a]
                for t, (name, a) in enumerate(zip(space, actions, strict=True))
                if a is not None
            }
            attrs: dict[str, Any] = {}
            if number % self.checkpoint_every == 0:
                attrs[_ATTR] = self._checkpoint()
            out.append(Candidate(params, attrs))
        return out


def _seed_of(seed: int, number: int) -> int:
    digest = hashlib.blake2b(f"reinforce:{seed}:{number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1
