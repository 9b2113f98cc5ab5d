"""``estimator: tapas``: score candidates without training them, by the TAP trained on the LDE
records of datasets like this one; RETRAINING then trains only the top-k for real.

PREPARING characterizes the dataset (its DCN is stored in the experiment's attrs, "dcn") and
fits the TAP on the records within ``tau`` of it; each trial is one prediction, stored as
``trial.attrs["tapas"] = {"predicted": ...}`` and returned as the metric ``predicted_acc``
(the experiment's default objective). A prediction is a score for ranking candidates, not a
measured accuracy, so it never shares the metric ``val_acc`` with trained trials (see
``netsynth.tapas.rank_quality``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netsynth.tapas.lde import DEFAULT_TAU, LifelongDatabase
from netsynth.tapas.lde_record import LDERecord
from netsynth.tapas.rank_quality import PREDICTED_METRIC
from netsynth.tapas.trainless import TrainLessEstimator

if TYPE_CHECKING:
    from netsynth.estimation.training import TrainingEstimator
    from netsynth.tapas.predictor import TAP, TAPConfig
    from netsynth.trial import Trial

MIN_RECORDS = 100  # below this many within tau, the nearest datasets by DCN are added


@dataclass(frozen=True)
class Selection:
    records: list[LDERecord]
    datasets: list[str]
    widened: bool  # True when fewer than min_records lay within tau


def select_records(
    records: list[LDERecord],
    dcn: float,
    *,
    tau: float = DEFAULT_TAU,
    min_records: int = MIN_RECORDS,
    exclude: str | None = None,
) -> Selection:
    """The records of datasets whose DCN is within ``tau`` of ``dcn``; if that gives fewer
    than ``min_records``, whole datasets are added nearest DCN first until it does."""
    pool = [r for r in records if r.dataset != exclude]
    near = [r for r in pool if abs(r.dcn - dcn) <= tau]
    widened = len(near) < min_records
    if widened:
        by_dataset: dict[str, list[LDERecord]] = {}
        for r in pool:
            by_dataset.setdefault(r.dataset, []).append(r)
        near = []
        for name in sorted(by_dataset, key=lambda d: abs(by_dataset[d][0].dcn - dcn)):
            if len(near) >= min_records and abs(by_dataset[name][0].dcn - dcn) > tau:
                break
            near += by_dataset[name]
    return Selection(near, sorted({r.dataset for r in near}), widened)


def fit_tap(
    lde: LifelongDatabase,
    dcn: float,
    *,
    tau: float = DEFAULT_TAU,
    min_records: int = MIN_RECORDS,
    seed: int = 0,
    config: TAPConfig | None = None,
) -> tuple[TAP, Selection]:
    from netsynth.tapas.predictor import TAP

    selection = select_records(lde.records(), dcn, tau=tau, min_records=min_records)
    if not selection.records:
        raise ValueError(f"the LDE at {lde.url!r} holds no records to train the TAP on")
    return TAP(config, seed=seed).fit(selection.records), selection


class TapasEstimator(TrainLessEstimator):
    def __init__(
        self,
        train: TrainingEstimator,
        *,
        lde: str | None = None,
        tau: float = DEFAULT_TAU,
        min_records: int = MIN_RECORDS,
        fit_epochs: int = 40,
        proxies: tuple[str, ...] = (),
    ) -> None:
        """``train``: the training estimator whose data and space are used (and the trainer
        of the stages around the search); ``lde``: the LDE's storage URL (None: the
        experiment's own storage); ``fit_epochs`` and ``proxies``: the TAP's fit passes and
        data-free proxy inputs (``TAPConfig``)."""
        from netsynth.tapas.proxy_features import check_proxies

        super().__init__(train)
        self.lde = lde
        self.tau = tau
        self.min_records = min_records
        self.fit_epochs = fit_epochs
        self.proxies = check_proxies(proxies)
        self._tap: TAP | None = None
        self._dcn: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "tapas",
            "train": self.train.to_dict(),
            "lde": self.lde,
            "tau": self.tau,
            "min_records": self.min_records,
            "fit_epochs": self.fit_epochs,
            "proxies": list(self.proxies),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TapasEstimator:
        from netsynth.estimation.training import TrainingEstimator

        return cls(
            TrainingEstimator.from_dict(data["train"]),
            lde=data.get("lde"),
            tau=data.get("tau", DEFAULT_TAU),
            min_records=data.get("min_records", MIN_RECORDS),
            fit_epochs=data.get("fit_epochs", 40),
            proxies=tuple(data.get("proxies", ())),
        )

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_tap": None}  # workers refit (deterministic) on first use

    def dcn(self) -> float:
        if self._dcn is None:
            from netsynth.tapas.dataset_characterization import characterize

            self._dcn = characterize(self.train.dataset(), seed=self.train.data.seed).dcn
        return self._dcn

    def tap(self) -> TAP:
        if self._tap is None:
            from netsynth.tapas.predictor import TAPConfig

            self.train._set_threads()  # the user's thread budget (NETSYNTH_THREADS)
            lde = LifelongDatabase(self.lde or "memory")
            try:
                self._tap, self._selection = fit_tap(
                    lde,
                    self.dcn(),
                    tau=self.tau,
                    min_records=self.min_records,
                    config=TAPConfig(epochs=self.fit_epochs, proxies=self.proxies),
                )
            finally:
                lde.close()
        return self._tap

    def estimate(self, trial: Trial) -> dict[str, float]:
        started = time.perf_counter()
        genotype, training = self.train.candidate(dict(trial.params))
        splits = self.train.splits()
        predicted = float(
            self.tap().predict(
                [genotype],
                dcn=self.dcn(),
                input_shape=splits.input_shape,
                num_classes=splits.num_classes,
                training=training.to_dict(),
            )[0]
        )
        self.describe_candidate(trial, genotype, training)
        trial.set_attr(
            "tapas",
            {
                "predicted": predicted,
                "dcn": self.dcn(),
                "tau": self.tau,
                "datasets": self._selection.datasets,
                "records": len(self._selection.records),
            },
        )
        return {PREDICTED_METRIC: predicted, "predict_seconds": time.perf_counter() - started}

    def prepare(self, experiment: Any) -> None:
        """PREPARING, after the runner's preflight of the trainer (data, DCN): the TAP,
        fitted once."""
        if self.lde is None:  # default: the LDE in the experiment's own storage
            self.lde = _storage_url(experiment)
        self.tap()


def _storage_url(experiment: Any) -> str | None:
    url = getattr(experiment.storage, "url", None)
    return url if isinstance(url, str) else None
