"""The TAP (TAPAS's train-less accuracy predictor) as the predictor of predictor-guided search:
rank many candidates by predicted accuracy, so that only the best is trained.

It learns from the LDE records of datasets near this one's DCN (the seed LDE shipped with
netsynth, plus the records of the LDE at ``lde``) and from this experiment's own trained
trials, which lie on the very dataset. The DCN, input shape and classes are the experiment's
attrs stored in PREPARING, so a resumed experiment ranks as an uninterrupted one; the TAP is
refitted when the number of the experiment's own trained trials reaches a scheduled size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from netsynth.space.architecture_space import ArchitectureSpace
from netsynth.strategies.representation import Point, Representation
from netsynth.trial_record import TrialRecord

if TYPE_CHECKING:
    from netsynth.tapas.lde_record import LDERecord
    from netsynth.tapas.predictor import TAP


class TAPRankingError(ValueError):
    """The TAP cannot rank this experiment's candidates."""


class TAPRanker:
    def __init__(
        self,
        attrs: Callable[[], Mapping[str, Any]],
        architecture: ArchitectureSpace | None,
        *,
        lde: str | None,
        tau: float,
        min_records: int,
        seed: int,
    ) -> None:
        """``attrs``: reads the experiment's stored attrs ("data", "dcn", "lde")."""
        from netsynth.space.chain_space import ChainSpace

        if not isinstance(architecture, ChainSpace):
            raise TAPRankingError(
                "predictor: tap ranks chain networks only (the TAP reads a network layer by "
                "layer): use space: {type: chain} with data, or predictor: ensemble"
            )
        self.attrs: Callable[[], Mapping[str, Any]] = attrs
        self.architecture: ChainSpace = architecture
        self.lde: str | None = lde
        self.tau: float = tau
        self.min_records: int = min_records
        self.seed: int = seed
        self._attrs: Mapping[str, Any] | None = None
        self._facts: tuple[float, tuple[int, ...], int, str | None] | None = None
        self._lde_records: list[LDERecord] | None = None
        self._model: tuple[tuple[int, ...], TAP] | None = None  # (own trials fitted on, TAP)

    def experiment_attrs(self) -> Mapping[str, Any]:
        """The experiment's stored attrs, read from storage until PREPARING has stored the
        DCN, then kept (what the ranking needs of them does not change afterwards)."""
        if self._attrs is not None:
            return self._attrs
        attrs = self.attrs()
        if attrs.get("dcn"):
            self._attrs = attrs
        return attrs

    def facts(self) -> tuple[float, tuple[int, ...], int, str | None]:
        """(DCN, input shape, classes, LDE URL) of the experiment, read once."""
        if self._facts is None:
            attrs = self.experiment_attrs()
            data, dcn = attrs.get("data"), attrs.get("dcn")
            if not data or not dcn:
                raise TAPRankingError(
                    "predictor: tap needs the dataset's DCN, input shape and classes, which a "
                    "training experiment stores in PREPARING; this experiment has none (use "
                    "space + data with the training estimator)"
                )
            url = self.lde or attrs.get("lde")
            self._facts = (
                float(dcn["dcn"]),
                tuple(data["input_shape"]),
                int(data["num_classes"]),
                url,
            )
        return self._facts

    def _fitted(self, own: list[tuple[int, LDERecord]], sizes: Sequence[int]) -> TAP:
        from netsynth.tapas.lde import LifelongDatabase
        from netsynth.tapas.predictor import TAP
        from netsynth.tapas.tapas_estimator import select_records

        size = max([s for s in sizes if s <= len(own)], default=0)
        key = tuple(number for number, _ in own[:size])
        if self._model is None or self._model[0] != key:
            dcn, _, _, url = self.facts()
            if self._lde_records is None:
                lde = LifelongDatabase(url or "memory")
                try:
                    self._lde_records = select_records(
                        lde.records(), dcn, tau=self.tau, min_records=self.min_records
                    ).records
                finally:
                    lde.close()
            records = self._lde_records + [r for _, r in own[:size]]
            if not records:
                raise TAPRankingError(f"the LDE at {url or 'seed'!r} holds no records")
            self._model = (key, TAP(seed=self.seed).fit(records))
        return self._model[1]

    def own_records(self, history: Sequence[TrialRecord]) -> list[tuple[int, LDERecord]]:
        """(trial number, LDE record) of the experiment's trained trials, by number."""
        from netsynth.tapas.experiment_records import trial_record

        attrs = self.experiment_attrs()
        out = []
        for trial in sorted(history, key=lambda t: t.number):
            record = trial_record(trial, attrs, source=f"#{trial.number}")
            if record is not None:
                out.append((trial.number, record))
        return out

    def predict(
        self,
        view: Representation,
        points: Sequence[Point],
        own: list[tuple[int, LDERecord]],
        sizes: Sequence[int],
    ) -> np.ndarray:
        """Predicted validation accuracy of each point, trained as its params say."""
        dcn, shape, classes, _ = self.facts()
        tap = self._fitted(own, sizes)
        genotypes, trainings = [], []
        for point in points:
            genotype, training = self.architecture.decode(view.params(point))
            genotypes.append(self.architecture.repair(genotype, shape))
            trainings.append(training.to_dict())
        return tap.predict(
            genotypes, dcn=dcn, input_shape=shape, num_classes=classes, training=trainings
        )
