"""The one-shot trial: train a weight-sharing supernet (DARTS or ENAS), derive one genotype.

A one-shot search is one trial. It trains the supernet for ``epochs`` epochs, reporting after
each the derived cell's validation accuracy under the shared weights (``val_acc``), the
supernet's own, and the share of parameter-free ops; stores the op probabilities per epoch in
``attrs["alphas"]`` (the dashboard plots them) and ends with the derived genotype in
``attrs["genotype"]`` and the space's training configuration in ``attrs["training"]``, so that
RETRAINING, EVALUATING and EXPORTING (inherited from ``TrainingEstimator``) retrain it from
scratch like any candidate. Its full state is saved after every epoch; a retry of a lost
trial resumes from the last one (``attrs["resumed_from_epoch"]``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import torch

from netsynth.estimation.epoch_checkpoint import EpochCheckpoint, trial_checkpoint
from netsynth.estimation.train_loop import TensorSplit
from netsynth.estimation.training import (
    DataConfig,
    FinalConfig,
    TrainingEstimator,
    candidate_seed,
    provenance,
)
from netsynth.nn import build, count_params
from netsynth.oneshot import bilevel, enas, fast_path
from netsynth.oneshot.config import OneShotConfig
from netsynth.oneshot.derive import alpha_record, derive_nb201, parameter_free_share
from netsynth.oneshot.remedies import EarlyStop
from netsynth.oneshot.supernet import NB201Supernet
from netsynth.space.architecture_space import ArchitectureSpace, make_architecture_space
from netsynth.space.nb201_genotype import EDGES, NB201Genotype
from netsynth.space.nb201_space import NB201Space
from netsynth.strategies.reinforce import Controller
from netsynth.trial import Trial


class OneShotEstimator(TrainingEstimator):
    """``TrainingEstimator``'s data and final stages; a one-shot search as the trial.

    >>> from netsynth.space.nb201_space import NB201SpaceConfig
    >>> space = NB201Space(NB201SpaceConfig(ops=["skip_connect", "conv_3x3"]))
    >>> OneShotEstimator(space, DataConfig("mnist1d"), OneShotConfig()).to_dict()["type"]
    'oneshot'
    """

    def __init__(
        self,
        space: ArchitectureSpace,
        data: DataConfig,
        oneshot: OneShotConfig,
        final: FinalConfig | None = None,
        *,
        device: str = "auto",
        threads: int | None = None,
    ) -> None:
        if not isinstance(space, NB201Space):
            raise ValueError(
                f"oneshot searches the nb201 cell space; got space type {space.to_dict()['type']!r}"
            )
        super().__init__(space, data, final, device=device, threads=threads)
        self.oneshot = oneshot

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "type": "oneshot", "oneshot": self.oneshot.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OneShotEstimator:
        return cls(
            make_architecture_space(data["space"]),
            DataConfig(**data["data"]),
            OneShotConfig.from_dict(data["oneshot"]),
            FinalConfig(**data.get("final", {})),
            device=data.get("device", "auto"),
            threads=data.get("threads"),
        )

    # -- the search --------------------------------------------------------------------------

    def estimate(self, trial: Trial) -> dict[str, float]:
        started = time.perf_counter()
        self._set_threads()
        skeleton, training = self.candidate(dict(trial.params))
        assert isinstance(skeleton, NB201Genotype) and isinstance(self.space, NB201Space)
        config = self.oneshot
        if "epochs" in trial.fidelity:
            config = replace(config, epochs=int(trial.fidelity["epochs"]))
        init_channels = config.init_channels or skeleton.init_channels
        cells = config.cells_per_stage or skeleton.cells_per_stage
        seed = candidate_seed(trial.task.seed, trial.number)
        search = _Search(self, config, self.space.ops, init_channels, cells, seed)
        checkpoint = self._checkpoint(trial, config, init_channels, cells, seed)
        saved = checkpoint.load()
        if saved is not None:
            search.load_state_dict(saved)
            trial.set_attr("resumed_from_epoch", search.epoch)
        while search.epoch < config.epochs and not search.stopped:
            metrics = search.run_epoch()
            checkpoint.save(search.state_dict())
            trial.set_attr("alphas", search.alphas)
            trial.report(search.epoch, **metrics)
            if trial.should_stop():
                break
        genotype = search.genotype()
        trial.set_attr("alphas", search.alphas)
        trial.set_attr("genotype", genotype.to_dict())
        trial.set_attr("genotype_hash", genotype.hash())
        trial.set_attr("architecture", genotype.describe())
        trial.set_attr("training", training.to_dict())
        trial.set_attr("oneshot", {**config.to_dict(), "stopped_at_epoch": search.epoch})
        trial.set_attr(
            "provenance",
            {
                **provenance(seed, self.device),
                "wall_seconds": time.perf_counter() - started,
                "peak_memory_bytes": fast_path.peak_memory_bytes(self.device),
            },
        )
        checkpoint.discard()
        model = build(genotype, self.input_shape(), self.splits().num_classes)
        return {
            "val_acc": search.last["val_acc"],
            "supernet_val_acc": search.last["supernet_val_acc"],
            "parameter_free_share": parameter_free_share(genotype.ops),
            "params": float(count_params(model)),
            "epochs": float(search.epoch),
            "search_seconds": time.perf_counter() - started,
        }

    def _checkpoint(
        self, trial: Trial, config: OneShotConfig, init_channels: int, cells: int, seed: int
    ) -> EpochCheckpoint:
        work = {
            "oneshot": config.to_dict(),
            "ops": list(self.space.ops),  # type: ignore[attr-defined]
            "skeleton": [init_channels, cells],
            "seed": seed,
            "data": self.to_dict()["data"],
        }
        return trial_checkpoint(self.export_dir(trial.task.experiment), trial, work)


class _Search:
    """The supernet, its optimizers and the record of one search; one epoch at a time."""

    def __init__(
        self,
        estimator: TrainingEstimator,
        config: OneShotConfig,
        ops: tuple[str, ...],
        init_channels: int,
        cells: int,
        seed: int,
    ) -> None:
        self.config = config
        self.ops = ops
        self.skeleton = (init_channels, cells)
        self.device = estimator.device
        self.train = estimator.tensors("train")
        self.val = estimator.tensors("val")
        shape = estimator.input_shape()
        torch.manual_seed(seed)
        net = NB201Supernet(ops, shape, estimator.splits().num_classes, init_channels, cells)
        self.supernet: NB201Supernet = fast_path.prepare(net, self.device, len(shape) - 1)  # type: ignore[assignment]
        self.weights = self.supernet.weights()
        self.optimizer = fast_path.sgd(
            self.weights,
            self.device,
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
        steps = config.epochs * max(1, len(self.train.y) // config.batch_size)
        self.schedule = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, steps)
        self.arch_optimizer = fast_path.adam(
            [self.supernet.alpha],
            self.device,
            lr=config.arch_lr,
            betas=(0.5, 0.999),
            weight_decay=config.arch_weight_decay,
        )
        self.controller = ControllerState(config, len(ops)) if config.method == "enas" else None
        self.generator = torch.Generator().manual_seed(seed)
        self.remedy = EarlyStop(config.max_skips) if config.remedy == "early_stop" else None
        self.epoch = 0
        self.stopped = False
        self.alphas: list[dict[str, Any]] = []
        self.history: list[tuple[int, dict[str, float]]] = []
        self.last: dict[str, float] = {}
        fast_path.reset_peak_memory(self.device)

    # -- batches -----------------------------------------------------------------------------

    def _batches(self, split: TensorSplit) -> list[torch.Tensor]:
        order = torch.randperm(len(split.y), generator=self.generator).to(self.device)
        size = self.config.batch_size
        return [order[i : i + size] for i in range(0, len(order) - size + 1, size)] or [order]

    # -- one epoch ---------------------------------------------------------------------------

    def run_epoch(self) -> dict[str, float]:
        self.supernet.train()
        train_batches = self._batches(self.train)
        val_batches = self._batches(self.val)
        losses = []
        for k, index in enumerate(train_batches):
            batch = (self.train.x[index], self.train.y[index])
            val_index = val_batches[k % len(val_batches)]
            val_batch = (self.val.x[val_index], self.val.y[val_index])
            with fast_path.autocast(self.device):
                losses.append(self._step(batch, val_batch))
            self.schedule.step()
        if self.controller is not None:
            self.controller.train(self.supernet, self.val, self._batches(self.val), self.generator)
        self.epoch += 1
        probabilities = self.probabilities()
        self.alphas.append(alpha_record(self.epoch, probabilities, self.ops))
        derived = self.derive()
        metrics = {
            "val_acc": self._accuracy(self._choice(derived)),
            "supernet_val_acc": self._accuracy(None),
            "train_loss": sum(losses) / len(losses),
            "parameter_free_share": parameter_free_share(derived.ops),
        }
        if self.remedy is not None and self.remedy.check(derived):
            self.stopped = True
            metrics["val_acc"] = self._accuracy(self._choice(self.genotype()))
        self.history.append((self.epoch, metrics))
        self.last = metrics
        return metrics

    def _step(self, batch: bilevel.Batch, val_batch: bilevel.Batch) -> float:
        if self.controller is not None:  # ENAS: train the shared weights on one sampled child
            with torch.no_grad():
                choice, _, _ = enas.sample(self.controller.controller, self.generator)

            def child_loss(model: Any, params: bilevel.Params, b: bilevel.Batch) -> torch.Tensor:
                return torch.nn.functional.cross_entropy(self.supernet(b[0], choice), b[1])

            return bilevel.weight_step(
                self.supernet, self.optimizer, batch, self.weights, loss_fn=child_loss
            )
        xi = float(self.schedule.get_last_lr()[0])
        bilevel.alpha_step(
            self.supernet, self.arch_optimizer, batch, val_batch, order=self.config.order, xi=xi
        )
        return bilevel.weight_step(self.supernet, self.optimizer, batch, self.weights)

    @torch.no_grad()
    def _accuracy(self, choice: list[int] | None) -> float:
        correct = 0
        for start in range(0, len(self.val.y), 512):
            x, y = self.val.x[start : start + 512], self.val.y[start : start + 512]
            with fast_path.autocast(self.device):
                correct += int((self.supernet(x, choice).argmax(dim=1) == y).sum())
        return correct / len(self.val.y)

    # -- the architecture --------------------------------------------------------------------

    def probabilities(self) -> torch.Tensor:
        """(edges, ops): softmax(alpha) for DARTS, the controller's greedy policy for ENAS."""
        if self.controller is not None:
            return self.controller.policy()
        return self.supernet.probabilities().detach()

    def derive(self) -> NB201Genotype:
        if self.controller is not None:
            return self.controller.best_of(
                self.supernet, self.val, self.generator, self.ops, self.skeleton
            )
        return derive_nb201(self.probabilities(), self.ops, *self.skeleton)

    def genotype(self) -> NB201Genotype:
        if self.remedy is not None and self.remedy.genotype is not None:
            return self.remedy.genotype
        return self.derive()

    def _choice(self, genotype: NB201Genotype) -> list[int]:
        return [self.ops.index(op) for op in genotype.ops]

    # -- resumable state ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "stopped": self.stopped,
            "supernet": self.supernet.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "arch_optimizer": self.arch_optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "controller": None if self.controller is None else self.controller.state_dict(),
            "remedy": None
            if self.remedy is None or self.remedy.genotype is None
            else list(self.remedy.genotype.ops),
            "alphas": self.alphas,
            "history": [[step, metrics] for step, metrics in self.history],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = int(state["epoch"])
        self.stopped = bool(state["stopped"])
        self.supernet.load_state_dict(state["supernet"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.arch_optimizer.load_state_dict(state["arch_optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.controller is not None:
            self.controller.load_state_dict(state["controller"])
        if self.remedy is not None and state["remedy"] is not None:
            self.remedy.genotype = NB201Genotype(tuple(state["remedy"]), *self.skeleton)
        self.alphas = list(state["alphas"])
        self.history = [(int(step), dict(metrics)) for step, metrics in state["history"]]
        self.last = self.history[-1][1] if self.history else {}


class ControllerState:
    """ENAS's controller, its REINFORCE trainer and how it picks the final cell."""

    def __init__(self, config: OneShotConfig, n_ops: int) -> None:
        self.config = config
        self.controller = Controller([n_ops] * len(EDGES), hidden=32)
        self.trainer = enas.ControllerTrainer(
            self.controller, config.controller_lr, config.entropy_weight
        )

    def train(
        self,
        supernet: NB201Supernet,
        val: TensorSplit,
        batches: list[torch.Tensor],
        generator: torch.Generator,
    ) -> None:
        """``controller_steps`` REINFORCE updates, each on one child's accuracy on one
        validation batch under the shared weights."""
        for k in range(self.config.controller_steps):
            index = batches[k % len(batches)]
            choice, log_prob, entropy = enas.sample(self.controller, generator)
            reward = enas.child_accuracy(supernet, choice, val.x[index], val.y[index])
            self.trainer.step(reward, log_prob, entropy)

    @torch.no_grad()
    def policy(self) -> torch.Tensor:
        return enas.policy(self.controller)

    def best_of(
        self,
        supernet: NB201Supernet,
        val: TensorSplit,
        generator: torch.Generator,
        ops: tuple[str, ...],
        skeleton: tuple[int, int],
    ) -> NB201Genotype:
        """The most likely child and ``final_samples`` sampled ones; the best on a validation
        subset under the shared weights."""
        with torch.no_grad():
            greedy, _, _ = enas.sample(self.controller, None, greedy=True)
            children = [greedy] + [
                enas.sample(self.controller, generator)[0] for _ in range(self.config.final_samples)
            ]
        x, y = val.x[:1024], val.y[:1024]
        best = max(children, key=lambda c: enas.child_accuracy(supernet, c, x, y))
        return NB201Genotype(tuple(ops[k] for k in best), *skeleton)

    def state_dict(self) -> dict[str, Any]:
        return self.trainer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.trainer.load_state_dict(state)
