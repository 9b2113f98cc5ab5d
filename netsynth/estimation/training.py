"""The training estimator: judge a candidate architecture by training it on the user's data.

Each trial decodes its flat params into a genotype and a training configuration, repairs the
genotype for the input, builds it, trains it at the fidelity the scheduler assigned (epochs,
fraction of the training data, width multiplier), reports validation accuracy and loss every
epoch, and records the genotype, its size, FLOPs and provenance with the trial. It is also
the trainer the runner's stages around the search work through (``runner.final_stages``):
they validate the data before any trial (PREPARING) and retrain, evaluate and export the
best candidates afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netsynth.data.augmentation import augment
from netsynth.data.dataset import Dataset
from netsynth.data.registry import load_dataset
from netsynth.data.splits import Splits, make_splits
from netsynth.estimation.epoch_checkpoint import EpochCheckpoint, trial_checkpoint
from netsynth.estimation.train_loop import TensorSplit, TrainResult, train
from netsynth.nn import build, count_flops, count_params, measure_latency
from netsynth.space.architecture_space import ArchitectureSpace, make_architecture_space
from netsynth.space.genotype import Genotype
from netsynth.space.seeded_draw import unit_draw
from netsynth.training_config import TrainingConfig
from netsynth.trial import Trial
from netsynth.version import __version__

log = logging.getLogger("netsynth")

# The fidelities this estimator can train at (every knob a scheduler may turn, see
# ``netsynth.schedulers.fidelity``): whole epochs, a share of the training data, channels
# scaled down, inputs scaled down.
FIDELITY_KNOBS = ("epochs", "data_fraction", "width_multiplier", "resolution")


@dataclass(frozen=True)
class DataConfig:
    dataset: str  # a built-in name or an absolute path
    options: dict[str, Any] = field(default_factory=dict)
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    seed: int = 0


@dataclass(frozen=True)
class FinalConfig:
    """After the search: retrain the ``top_k`` best from scratch on train+validation
    (``epochs``: None keeps each candidate's own), test them, export the winner.
    ``test_time_mirror``: images trained with flips predict with test-time mirroring
    (``netsynth.nn.mirror_average``)."""

    top_k: int = 3
    epochs: int | None = None
    export_dir: str | None = None  # default: ./netsynth-models/<experiment>
    test_time_mirror: bool = True

    def to_dict(self) -> dict[str, Any]:
        """As stored in the estimator's config; the default mirroring is left out, so the
        configs of experiments stored before the option existed compare equal."""
        data: dict[str, Any] = {
            "top_k": self.top_k,
            "epochs": self.epochs,
            "export_dir": self.export_dir,
        }
        if not self.test_time_mirror:
            data["test_time_mirror"] = False
        return data


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def candidate_seed(seed: int, number: int) -> int:
    """The seed of a trial's weights and batches: fixed by the experiment seed and number."""
    return int(unit_draw(seed, number, "weights") * 2**31)


def provenance(seed: int, device: torch.device) -> dict[str, Any]:
    return {
        "seed": seed,
        "device": str(device) if device.type != "cuda" else torch.cuda.get_device_name(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "netsynth": __version__,
        "host": platform.node(),
    }


class TrainingEstimator:
    def __init__(
        self,
        space: ArchitectureSpace,
        data: DataConfig,
        final: FinalConfig | None = None,
        *,
        device: str = "auto",
        threads: int | None = None,
        inherit_epochs: int | None = None,
        lde: str | None = None,
    ) -> None:
        """``inherit_epochs``: weight inheritance on; each trial's trained weights are kept,
        and a child of a kept parent starts from the parent's weights (see
        ``weight_inheritance``) and trains this many epochs instead of its own, with a cosine
        schedule from its learning rate (no warm-up). ``lde``: the storage URL of a shared
        TAPAS LDE that the trained trials join as RETRAINING starts (None: the experiment's
        own storage)."""
        if inherit_epochs is not None and inherit_epochs < 1:
            raise ValueError(f"inherit_epochs must be >= 1, got {inherit_epochs}")
        self.space = space
        self.data = data
        self.final = final or FinalConfig()
        self.device_name = device
        self.threads = threads
        self.inherit_epochs = inherit_epochs
        self.lde = lde
        self._dataset: Dataset | None = None
        self._splits: Splits | None = None
        self._tensors: dict[str, TensorSplit] = {}

    # -- plain data in and out ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "train",
            "space": self.space.to_dict(),
            "data": {
                "dataset": self.data.dataset,
                "options": self.data.options,
                "val_fraction": self.data.val_fraction,
                "test_fraction": self.data.test_fraction,
                "seed": self.data.seed,
            },
            "final": self.final.to_dict(),
            "device": self.device_name,
            "threads": self.threads,
            "inherit_epochs": self.inherit_epochs,
            "lde": self.lde,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingEstimator:
        return cls(
            make_architecture_space(data["space"]),
            DataConfig(**data["data"]),
            FinalConfig(**data.get("final", {})),
            device=data.get("device", "auto"),
            threads=data.get("threads"),
            inherit_epochs=data.get("inherit_epochs"),
            lde=data.get("lde"),
        )

    def __getstate__(self) -> dict[str, Any]:
        # Worker processes load the data themselves (from the cache): never ship arrays.
        return {**self.__dict__, "_dataset": None, "_splits": None, "_tensors": {}}

    # -- data --------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return resolve_device(self.device_name)

    def use_dataset(self, dataset: Dataset) -> None:
        """Take ``dataset`` as this estimator's data, already loaded (e.g. to choose an auto
        space); it must be what ``data`` names."""
        self._dataset = dataset

    def dataset(self) -> Dataset:
        """The whole dataset, loaded once per process."""
        if self._dataset is None:
            self._dataset = load_dataset(
                self.data.dataset, seed=self.data.seed, options=self.data.options
            )
        return self._dataset

    def splits(self) -> Splits:
        if self._splits is None:
            self._splits = make_splits(
                self.dataset(),
                val_fraction=self.data.val_fraction,
                test_fraction=self.data.test_fraction,
                seed=self.data.seed,
            )
        return self._splits

    def tensors(self, name: str) -> TensorSplit:
        """A split as tensors resident on the training device ("train", "val", "test",
        "train+val"), moved there once per process."""
        if name not in self._tensors:
            splits = self.splits()
            split = splits.train_and_val() if name == "train+val" else getattr(splits, name)
            self._tensors[name] = TensorSplit(
                torch.as_tensor(split.x, dtype=torch.float32).to(self.device),
                torch.as_tensor(split.y, dtype=torch.int64).to(self.device),
            )
        return self._tensors[name]

    def _set_threads(self) -> None:
        threads = self.threads or int(os.environ.get("NETSYNTH_THREADS", "0")) or None
        if threads:
            torch.set_num_threads(threads)

    # -- one candidate -----------------------------------------------------------------------

    def candidate(self, params: dict[str, Any]) -> tuple[Genotype, TrainingConfig]:
        """The repaired genotype and the training configuration of flat ``params``."""
        genotype, training = self.space.decode(params)
        return self.space.repair(genotype, self.splits().input_shape), training

    def fit(
        self,
        genotype: Genotype,
        training: TrainingConfig,
        seed: int,
        *,
        data: str = "train",
        validate: bool = True,
        data_fraction: float = 1.0,
        width_multiplier: float = 1.0,
        resolution: float = 1.0,
        on_epoch: Any = None,
        start_from: Callable[[torch.nn.Module], None] | None = None,
        checkpoint: EpochCheckpoint | None = None,
        deadline: float | None = None,
        time_budget: float | None = None,
        choose_threads: bool = False,
    ) -> tuple[torch.nn.Module, TrainResult]:
        """Build ``genotype`` with weights seeded by ``seed`` (then ``start_from(model)``, e.g.
        inherited weights) and train it. ``resolution`` < 1 trains and validates on inputs
        scaled down to that share of their length (sequences) or height and width (images).
        ``checkpoint``: continue from the epoch an earlier attempt saved, save every epoch.
        ``deadline`` and ``time_budget``: see ``netsynth.estimation.train_loop``.
        ``choose_threads``: on a CPU, first time a few steps at one thread and at every core,
        and train with the faster (see ``netsynth.estimation.thread_choice``)."""
        self._set_threads()
        splits = self.splits()
        torch.manual_seed(seed)
        shape = self.input_shape(resolution)
        if resolution < 1.0:  # a shorter input may not take every pool of the genotype
            genotype = self.space.repair(genotype, shape)
        model = build(genotype, shape, splits.num_classes, width_multiplier=width_multiplier)
        if start_from is not None:
            start_from(model)
        model = model.to(self.device)
        train_split = _scaled(self.tensors(data), shape)
        if data_fraction < 1.0:
            keep = max(int(len(train_split.y) * data_fraction), min(len(train_split.y), 2))
            order = torch.randperm(
                len(train_split.y), generator=torch.Generator().manual_seed(seed)
            )[:keep]
            order = order.to(self.device)
            train_split = TensorSplit(train_split.x[order], train_split.y[order])
        kind = splits.kind

        def augmenter(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
            return augment(x, kind, training.augment, generator, flip=training.flip)

        if choose_threads:
            from netsynth.estimation.thread_choice import fastest_threads

            size = min(training.batch_size, len(train_split.y))
            torch.set_num_threads(
                fastest_threads(model, train_split.x[:size], train_split.y[:size])
            )
        result = train(
            model,
            train_split,
            _scaled(self.tensors("val"), shape) if validate else None,
            training,
            augment=augmenter,
            seed=seed,
            on_epoch=on_epoch,
            checkpoint=checkpoint,
            deadline=deadline,
            time_budget=time_budget,
        )
        return model, result

    def input_shape(self, resolution: float = 1.0) -> tuple[int, ...]:
        """The input shape at ``resolution`` (a share of each spatial axis, at least 1)."""
        shape = tuple(self.splits().input_shape)
        if resolution == 1.0:
            return shape
        if not 0.0 < resolution <= 1.0:
            raise ValueError(f"fidelity resolution must be in (0, 1], got {resolution}")
        if len(shape) < 2:
            raise ValueError("fidelity resolution needs sequences or images, not tabular data")
        return (shape[0], *(max(1, round(n * resolution)) for n in shape[1:]))

    def estimate(self, trial: Trial) -> dict[str, float]:
        started = time.perf_counter()
        genotype, training = self.candidate(dict(trial.params))
        fidelity = trial.fidelity
        unknown = set(fidelity) - set(FIDELITY_KNOBS)
        if unknown:
            raise ValueError(f"unknown fidelity {sorted(unknown)}; known: {FIDELITY_KNOBS}")
        if "epochs" in fidelity:
            training = training.with_epochs(int(fidelity["epochs"]))
        seed = candidate_seed(trial.task.seed, trial.first_attempt)  # a retry: same weights
        trial.set_attr("genotype", genotype.to_dict())
        trial.set_attr("genotype_hash", genotype.hash())
        trial.set_attr("architecture", genotype.describe())
        trial.set_attr("training", training.to_dict())

        def report(epoch: int, metrics: dict[str, float]) -> bool:
            trial.report(epoch + 1, **metrics)  # step = epochs done, as rungs count them
            return trial.should_stop()

        inherited: dict[str, Any] = {}
        width = float(fidelity.get("width_multiplier", 1.0))

        parent = trial.parent if self.inherit_epochs is not None and width == 1.0 else None
        if parent is not None and self._weights_path(trial.task.experiment, parent).exists():
            assert self.inherit_epochs is not None
            # Fine-tuning, not training from scratch: no warm-up, the rate only decays (cosine),
            # as NASH (Elsken et al. 2017) trains its children after a morphism.
            training = replace(
                training.with_epochs(min(self.inherit_epochs, training.epochs)), schedule="cosine"
            )
            trial.set_attr("training", training.to_dict())
        else:
            parent = None

        def start_from(model: torch.nn.Module) -> None:
            assert parent is not None
            inherited.update(self._inherit(model, genotype, trial.task.experiment, parent, seed))

        checkpoint = trial_checkpoint(
            self.export_dir(trial.task.experiment),
            trial,
            {
                "genotype": genotype.to_dict(),
                "training": training.to_dict(),
                "fidelity": fidelity,
                "seed": seed,
                "parent": parent,
            },
        )
        try:
            model, result = self.fit(
                genotype,
                training,
                seed,
                data_fraction=float(fidelity.get("data_fraction", 1.0)),
                width_multiplier=width,
                resolution=float(fidelity.get("resolution", 1.0)),
                on_epoch=report,
                start_from=start_from if parent is not None else None,
                checkpoint=checkpoint,
                deadline=trial.task.deadline,
            )
        except Exception:  # the objective failed: a retry would not help, nothing to resume
            checkpoint.discard()
            raise
        if result.resumed_from_epoch:
            trial.set_attr("resumed_from_epoch", result.resumed_from_epoch)
            log.info(
                "trial %d: resumed candidate of trial %d from its epoch %d checkpoint",
                trial.number,
                trial.first_attempt,
                result.resumed_from_epoch,
            )
        if inherited:
            trial.set_attr("inherited", inherited)
        if self.inherit_epochs is not None and width == 1.0:
            self._keep_weights(model, genotype, trial)
        shape = self.input_shape(float(fidelity.get("resolution", 1.0)))
        trial.set_attr(
            "provenance",
            {**provenance(seed, self.device), "wall_seconds": time.perf_counter() - started},
        )
        assert result.val_acc is not None and result.val_loss is not None
        values = {
            "val_acc": result.val_acc,
            "val_loss": result.val_loss,
            "best_val_acc": result.best_val_acc or result.val_acc,
            "train_loss": result.train_loss,
            "params": float(count_params(model)),
            "flops": float(count_flops(model, shape)),
            "latency_ms": measure_latency(model, shape),
            "epochs": float(result.epochs),
            "train_seconds": result.seconds,
        }
        checkpoint.discard()  # finished: its record is in storage, nothing left to resume
        return values

    # -- weight inheritance ------------------------------------------------------------------

    def _weights_path(self, experiment: str, number: int) -> Path:
        return self.export_dir(experiment) / "trials" / f"trial-{number}.safetensors"

    def _keep_weights(self, model: torch.nn.Module, genotype: Genotype, trial: Trial) -> None:
        """Keep a trial's trained weights (and its genotype) for its children to inherit."""
        from safetensors.torch import save_file

        path = self._weights_path(trial.task.experiment, trial.number)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        tmp = path.with_suffix(".tmp")
        save_file(state, str(tmp), metadata={"genotype": json.dumps(genotype.to_dict())})
        os.replace(tmp, path)

    def _inherit(
        self, model: torch.nn.Module, genotype: Genotype, experiment: str, parent: int, seed: int
    ) -> dict[str, Any]:
        from safetensors import safe_open

        from netsynth.estimation.weight_inheritance import inherit
        from netsynth.space.space_kinds import genotype_from_dict

        path = self._weights_path(experiment, parent)
        with safe_open(str(path), framework="pt") as handle:  # type: ignore[no-untyped-call]
            state = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
            parent_genotype = genotype_from_dict(json.loads(handle.metadata()["genotype"]))
        return {"parent": parent, **inherit(model, genotype, state, parent_genotype, seed)}

    # -- what the runner's stages around the search use -------------------------------------

    @property
    def trainer(self) -> TrainingEstimator:
        """Itself: the trainer the runner's PREPARING, RETRAINING, EVALUATING and EXPORTING
        work through (see ``netsynth.estimation.trainer``)."""
        return self

    def export_dir(self, experiment_name: str) -> Path:
        return Path(self.final.export_dir or Path("netsynth-models") / experiment_name)

    def with_space(self, space: ArchitectureSpace) -> TrainingEstimator:
        """The same estimator (data, final settings, device) decoding trials with ``space``,
        e.g. stage 2 of a sequential pipeline with its shortlist."""
        return TrainingEstimator(
            space,
            self.data,
            self.final,
            device=self.device_name,
            threads=self.threads,
            inherit_epochs=self.inherit_epochs,
            lde=self.lde,
        )

    def with_final(self, **changes: Any) -> TrainingEstimator:
        return TrainingEstimator(
            self.space,
            self.data,
            replace(self.final, **changes),
            device=self.device_name,
            threads=self.threads,
            lde=self.lde,
        )


def _scaled(split: TensorSplit, shape: tuple[int, ...]) -> TensorSplit:
    """``split`` with its inputs resized (area averaging) to ``shape``."""
    if tuple(split.x.shape[1:]) == shape:
        return split
    x = torch.nn.functional.interpolate(split.x, size=shape[1:], mode="area")
    return TensorSplit(x, split.y)
