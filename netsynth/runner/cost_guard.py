"""Cost-aware search: every proposed candidate gets a predicted cost before it is trained, and
one that cannot fit the time is made cheaper — or skipped — whatever strategy proposed it.

PREPARING measured this machine on the user's data (``netsynth.estimation.calibration``), so a
candidate's seconds per epoch follow from its features (FLOPs, activations, layers) without
training it. A candidate **fits** when

- **its search trial fits**: all its epochs at the trial's fidelity take at most
  ``workers / SEARCH_TRIALS`` of the search's share of the time, so that the search can
  judge at least ``SEARCH_TRIALS`` candidates in full; and
- **its final training fits**: one epoch on train+validation at full fidelity takes at most
  ``1 / FINAL_EPOCHS`` of the final share, so the winner trains long enough to be good.

A candidate that does not fit is **repaired**: a descent through its neighbours in the space
(one local change each: a narrower layer, a pool earlier, a smaller kernel or variant). Each
step takes the gentlest change that still helps — the most expensive neighbour that fits,
or else the most expensive one that saves at least ``MIN_SAVING`` — so a candidate loses no
more than it must: a layer made narrower before the input is pooled away, one pool before
three. The trial then runs the repaired candidate, its params are the
repaired ones (so every strategy learns from what was really trained), and its attrs keep the
original under ``cost_repair``. When the space has nothing that cheap, the cheapest candidate
the descent reached still runs if it **can train at all**: one search epoch before the search
ends, one final epoch in the final share. Otherwise it is **skipped**: a FAILED trial whose
reason says so, which neither counts against the trial budget nor as the objective's failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.space.genotype import Genotype, GenotypeError
from netsynth.strategies.strategy import Candidate
from netsynth.time_limit import TimePlan, format_duration
from netsynth.trial_record import SKIPPED

SEARCH_TRIALS = 2  # a full-fidelity search trial may take at most workers/2 of the search
FINAL_EPOCHS = 5  # the winner must be able to train this many epochs in the final share
REPAIR_STEPS = 16  # steps through neighbours before giving up
MIN_SAVING = 0.15  # a step must cut the excess cost by at least this share (if any can)
NEIGHBOURS_PER_STEP = 48  # neighbours priced per step (a seeded sample when there are more)

COST_MODEL = "cost_model"  # experiment attr: the calibrated model (CostModel.to_dict())
PREDICTED = "predicted_epoch_seconds"  # trial attr: one epoch at the trial's fidelity


@dataclass(frozen=True)
class Price:
    """What a candidate would cost: one search epoch at its fidelity, its whole search trial,
    one final epoch on train+validation at full fidelity."""

    search_epoch: float
    search_trial: float
    final_epoch: float


@dataclass(frozen=True)
class Verdict:
    """A candidate as it will run (perhaps repaired), what it costs, and why it was skipped
    (None when it runs)."""

    candidate: Candidate
    price: Price | None
    skipped: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


class CostGuard:
    def __init__(
        self,
        architecture: ArchitectureSpace,
        cost_model: Mapping[str, Any],
        data: Mapping[str, Any],
        plan: TimePlan,
        workers: int,
        seed: int = 0,
    ) -> None:
        from netsynth.estimation.cost_model import CostModel

        self.architecture = architecture
        self.model = CostModel.from_dict(dict(cost_model))
        self.input_shape = tuple(int(n) for n in data["input_shape"])
        self.num_classes = int(data["num_classes"])
        sizes = data["sizes"]
        self.train_samples, self.val_samples = int(sizes["train"]), int(sizes["val"])
        self.plan = plan
        self.workers = max(int(workers), 1)
        self.seed = seed
        self.search_allowance = plan.search * self.workers / SEARCH_TRIALS
        self.final_allowance = (plan.final - plan.export_reserve) / FINAL_EPOCHS

    # -- pricing -----------------------------------------------------------------------------

    def price(self, genotype: Genotype, training: Any, fidelity: Mapping[str, Any]) -> Price:
        """The cost of ``genotype`` (as proposed; repaired for the input here) trained with
        ``training`` at ``fidelity``."""
        from netsynth.estimation.cost_model import cost_features

        resolution = float(fidelity.get("resolution", 1.0))
        shape = self._shape(resolution)
        width = float(fidelity.get("width_multiplier", 1.0))
        searched = self.architecture.repair(genotype, shape)
        features = cost_features(searched, shape, self.num_classes, width_multiplier=width)
        train = max(int(self.train_samples * float(fidelity.get("data_fraction", 1.0))), 2)
        augments = training.augment > 0
        epoch = self.model.epoch_seconds(
            features,
            train_samples=train,
            val_samples=self.val_samples,
            batch_size=training.batch_size,
            augment=augments,
        )
        epochs = int(fidelity.get("epochs", training.epochs))
        full = self.architecture.repair(genotype, self.input_shape)
        final_features = cost_features(full, self.input_shape, self.num_classes)
        final = self.model.epoch_seconds(
            final_features,
            train_samples=self.train_samples + self.val_samples,
            val_samples=0,
            batch_size=training.batch_size,
            augment=augments,
        )
        return Price(epoch, epoch * epochs, final)

    def fits(self, price: Price) -> bool:
        """Within the allowances: the search can judge enough candidates, the winner can train
        long enough."""
        return (
            price.search_trial <= self.search_allowance
            and price.final_epoch <= self.final_allowance
        )

    def can_train(self, price: Price, search_left: float) -> bool:
        """At least one search epoch before the search ends, one final epoch in its share."""
        final = self.plan.final - self.plan.export_reserve
        return price.search_epoch <= search_left and price.final_epoch <= final

    def _excess(self, price: Price) -> float:
        """How far over the allowances (1 = fits exactly): the descent's objective."""
        return max(
            price.search_trial / self.search_allowance, price.final_epoch / self.final_allowance
        )

    def _shape(self, resolution: float) -> tuple[int, ...]:
        if resolution == 1.0 or len(self.input_shape) < 2:
            return self.input_shape
        return (self.input_shape[0], *(max(1, round(n * resolution)) for n in self.input_shape[1:]))

    # -- the guard ---------------------------------------------------------------------------

    def check(
        self, candidate: Candidate, fidelity: Mapping[str, Any], number: int, search_left: float
    ) -> Verdict:
        """The candidate to run for trial ``number`` with ``search_left`` seconds of search
        to go: itself when it fits, else repaired, else skipped (with the reason)."""
        genotype, training = self.architecture.decode(candidate.params)
        try:
            price = self.price(genotype, training, fidelity)
        except GenotypeError:
            return Verdict(candidate, None)  # the trial itself will fail and say why
        attrs: dict[str, Any] = {PREDICTED: price.search_epoch}
        if self.fits(price):
            return Verdict(candidate, price, attrs=attrs)
        rng = np.random.default_rng([self.seed, number, 0xC057])
        repaired, fitted = self.descend(genotype, training, fidelity, price, rng)
        new_price = fitted or self.price(repaired, training, fidelity)
        if not self.can_train(new_price, search_left):
            reason = self.skip_reason(new_price, search_left)
            return Verdict(candidate, price, skipped=reason, attrs=attrs)
        if repaired == genotype:
            return Verdict(candidate, price, attrs=attrs)  # the cheapest already; it can train
        params = self.architecture.params_of(repaired, training)
        note = {
            "from": genotype.describe(),
            "to": repaired.describe(),
            "predicted_before": _rounded(price),
            "predicted_after": _rounded(new_price),
        }
        return Verdict(
            Candidate(params, {**candidate.attrs, "cost_repair": note}),
            new_price,
            attrs={PREDICTED: new_price.search_epoch},
        )

    def descend(
        self,
        genotype: Genotype,
        training: Any,
        fidelity: Mapping[str, Any],
        price: Price,
        rng: np.random.Generator,
    ) -> tuple[Genotype, Price | None]:
        """Steps through neighbours (see the module docstring) until the candidate fits:
        the result and its price, or the cheapest reached and None when nothing fit."""
        current, current_excess = genotype, self._excess(price)
        for _ in range(REPAIR_STEPS):
            options = self.architecture.neighbours(current)
            if len(options) > NEIGHBOURS_PER_STEP:
                picks = rng.choice(len(options), size=NEIGHBOURS_PER_STEP, replace=False)
                options = [options[int(i)] for i in picks]
            priced: list[tuple[float, Genotype, Price]] = []
            for option in options:
                try:
                    option_price = self.price(option, training, fidelity)
                except GenotypeError:
                    continue
                excess = self._excess(option_price)
                if excess < current_excess:
                    priced.append((excess, option, option_price))
            if not priced:
                break  # a local minimum of cost: no neighbour is cheaper
            fitting = [p for p in priced if self.fits(p[2])]
            saving = [p for p in priced if p[0] <= (1 - MIN_SAVING) * current_excess]
            if fitting:
                chosen = max(fitting, key=lambda p: p[0])
            elif saving:
                chosen = max(saving, key=lambda p: p[0])
            else:
                chosen = min(priced, key=lambda p: p[0])
            current_excess, current = chosen[0], chosen[1]
            if self.fits(chosen[2]):
                return current, chosen[2]
        return current, None

    def skip_reason(self, price: Price, search_left: float) -> str:
        final = self.plan.final - self.plan.export_reserve
        return (
            f"{SKIPPED}: even made as cheap as its neighbours allow, it needs about "
            f"{price.search_epoch:.0f}s per search epoch ({max(search_left, 0):.0f}s of search "
            f"left) and {price.final_epoch:.0f}s per final epoch ({final:.0f}s for the final "
            "training)"
        )

    def cheapest(
        self, samples: Sequence[tuple[Genotype, Any]], fidelity: Mapping[str, Any]
    ) -> Price:
        """The cheapest price among ``samples`` after descending from each: how little a
        candidate of this space can cost here."""
        best: Price | None = None
        rng = np.random.default_rng(self.seed)
        for genotype, training in samples:
            try:
                price = self.price(genotype, training, fidelity)
            except GenotypeError:
                continue
            if not self.fits(price):
                reached, fitted = self.descend(genotype, training, fidelity, price, rng)
                price = fitted or self.price(reached, training, fidelity)
            if best is None or self._excess(price) < self._excess(best):
                best = price
            if self.fits(best):
                break
        if best is None:
            raise GenotypeError("no sampled candidate of the space can be built for this input")
        return best

    def too_short_message(self, price: Price) -> str:
        """Why no candidate can train even one epoch in the time given, with the numbers."""
        plan = self.plan
        final = plan.final - plan.export_reserve
        if price.final_epoch > final:
            need, given, what = price.final_epoch, final, "for the final training"
        else:
            need, given, what = price.search_epoch, plan.search, "for the search"
        return (
            f"the time limit of {format_duration(plan.limit)} is too short for this data and "
            f"space here: the smallest candidate needs about {need:.0f}s per epoch on this "
            f"machine; {given:.0f}s were given {what} ({plan.describe()}). Give more time "
            "(--time), use less data, or a smaller space"
        )


def _rounded(price: Price) -> dict[str, float]:
    return {
        "search_epoch": round(price.search_epoch, 2),
        "search_trial": round(price.search_trial, 2),
        "final_epoch": round(price.final_epoch, 2),
    }
