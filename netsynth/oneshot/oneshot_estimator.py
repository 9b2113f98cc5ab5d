"""The one-shot trial: train a weight-sharing supernet (DARTS or ENAS), derive one genotype.

DARTS searches the NB201-style cell (``space: {type: nb201}``) or the DARTS cell space
(``space: {type: cell}``: normal and reduction cells in the sampled macro skeleton); ENAS the
NB201-style cell.

A one-shot search is one trial. It trains the supernet for ``epochs`` epochs, reporting after
each the derived cell's validation accuracy under the shared weights (``val_acc``), the
supernet's own, and the share of parameter-free ops; stores the op probabilities per epoch in
``attrs["alphas"]`` (the dashboard plots them) and ends with the derived genotype in
``attrs["genotype"]`` and the space's training configuration in ``attrs["training"]``, so that
the runner's RETRAINING, EVALUATING and EXPORTING (``netsynth.runner.final_stages``, working
through the trainer this estimator is) retrain it from scratch like any candidate. Its full
state is saved after every epoch; a retry of a lost trial resumes from the last one
(``attrs["resumed_from_epoch"]``).
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
from netsynth.oneshot.darts_supernet import DartsCellSupernet, Supernet
from netsynth.oneshot.derive import OneShotGenotype, alpha_record, parameter_free_share
from netsynth.oneshot.perturbation import PerturbationSelection
from netsynth.oneshot.remedies import EarlyStop
from netsynth.oneshot.supernet import NB201Supernet, mixed_accuracy
from netsynth.space.architecture_space import ArchitectureSpace, make_architecture_space
from netsynth.space.cell_genotype import CellGenotype
from netsynth.space.cell_space import CellSpace
from netsynth.space.nb201_genotype import EDGES, NB201Genotype
from netsynth.space.nb201_space import NB201Space
from netsynth.strategies.reinforce import Controller
from netsynth.trial import Trial


class OneShotEstimator(TrainingEstimator):
    """``TrainingEstimator``'s data and training; a one-shot search as the trial.

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
        if not isinstance(space, (NB201Space, CellSpace)):
            raise ValueError(
                "oneshot searches the nb201 or the cell space; got space type "
                f"{space.to_dict()['type']!r}"
            )
        if oneshot.method == "enas" and not isinstance(space, NB201Space):
            raise ValueError(
                "oneshot.method enas searches the nb201 space (its controller decides one op "
                "per edge); use method: darts for the cell space"
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
        candidate, training = self.candidate(dict(trial.params))
        config = self.oneshot
        if "epochs" in trial.fidelity:
            config = replace(config, epochs=int(trial.fidelity["epochs"]))
        seed = candidate_seed(trial.task.seed, trial.number)
        torch.manual_seed(seed)
        supernet = self.supernet(candidate, config)
        search = _Search(self, config, supernet, seed)
        checkpoint = self._checkpoint(trial, config, supernet, seed)
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
            "parameter_free_share": parameter_free_share(genotype),
            "params": float(count_params(model)),
            "epochs": float(search.epoch),
            "search_seconds": time.perf_counter() - started,
        }

    def supernet(
        self, candidate: object, config: OneShotConfig
    ) -> NB201Supernet | DartsCellSupernet:
        """The supernet over the candidate's skeleton (its ops are ignored), with the
        skeleton settings of ``config`` where they are given."""
        shape, classes = self.input_shape(), self.splits().num_classes
        if isinstance(candidate, NB201Genotype):
            ops = self.space.ops  # type: ignore[attr-defined]
            init_channels = config.init_channels or candidate.init_channels
            cells = config.cells_per_stage or candidate.cells_per_stage
            return NB201Supernet(ops, shape, classes, init_channels, cells)
        assert isinstance(candidate, CellGenotype)
        skeleton = replace(
            candidate,
            init_channels=config.init_channels or candidate.init_channels,
            cells_per_stage=(config.cells_per_stage,) * len(candidate.cells_per_stage)
            if config.cells_per_stage
            else candidate.cells_per_stage,
        )
        ops = tuple(dict.fromkeys(self.space.config.ops))  # type: ignore[attr-defined]
        return DartsCellSupernet(ops, skeleton, shape, classes)

    def _checkpoint(
        self,
        trial: Trial,
        config: OneShotConfig,
        supernet: NB201Supernet | DartsCellSupernet,
        seed: int,
    ) -> EpochCheckpoint:
        work = {
            "oneshot": config.to_dict(),
            "ops": list(supernet.op_names),
            "alpha": list(supernet.alpha.shape),
            "parameters": sum(p.numel() for p in supernet.parameters()),
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
        supernet: Supernet,
        seed: int,
    ) -> None:
        self.config = config
        self.ops: tuple[str, ...] = supernet.op_names
        self.device = estimator.device
        self.train = estimator.tensors("train")
        self.val = estimator.tensors("val")
        dims = len(estimator.input_shape()) - 1
        fast_path.prepare(supernet, self.device, dims)  # in place: .to() returns the module
        self.supernet = supernet
        self.weights = supernet.weights()
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
            [supernet.alpha],
            self.device,
            lr=config.arch_lr,
            betas=(0.5, 0.999),
            weight_decay=config.arch_weight_decay,
        )
        self.controller = (
            ControllerState(config, len(self.ops)) if config.method == "enas" else None
        )
        self.generator = torch.Generator().manual_seed(seed)
        self.fair = (
            enas.FairSampler(len(EDGES), len(self.ops), self.generator)
            if self.controller is not None and config.child_sampling == "fair"
            else None
        )
        self.remedy = (
            EarlyStop(config.max_collapsed_edges) if config.remedy == "early_stop" else None
        )
        self.epoch = 0
        self.stopped = False
        self.selected: OneShotGenotype | None = None  # perturbation: the selected genotype
        self.alphas: list[dict[str, Any]] = []
        self.history: list[tuple[int, dict[str, float]]] = []
        self.last: dict[str, float] = {}
        fast_path.reset_peak_memory(self.device)

    # -- batches -----------------------------------------------------------------------------

    def _batches(self, split: TensorSplit) -> list[torch.Tensor]:
        order = torch.randperm(len(split.y), generator=self.generator).to(self.device)
        size = self.config.batch_size
        return [order[i : i + size] for i in range(0, len(order) - size + 1, size)] or [order]

    def _batch(self, split: TensorSplit) -> bilevel.Batch:
        index = torch.randint(
            0, len(split.y), (self.config.batch_size,), generator=self.generator
        ).to(self.device)
        return split.x[index], split.y[index]

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
            assert isinstance(self.supernet, NB201Supernet)
            self.controller.train(self.supernet, self.val, self._batches(self.val), self.generator)
        self.epoch += 1
        probabilities = self.probabilities()
        self.alphas.append(
            alpha_record(self.epoch, probabilities, self.ops, self.supernet.edge_names)
        )
        derived = self.derive()
        metrics = {
            "val_acc": self.accuracy(derived),
            "supernet_val_acc": self.accuracy(None),
            "train_loss": sum(losses) / len(losses),
            "parameter_free_share": parameter_free_share(derived),
        }
        if self.remedy is not None and self.remedy.check(derived):
            self.stopped = True
            if self.remedy.genotype is None:  # collapsed from the first epoch on
                self.remedy.genotype = self.remedy.capped(self.supernet, probabilities)
            metrics["val_acc"] = self.accuracy(self.genotype())
            metrics["parameter_free_share"] = parameter_free_share(self.genotype())
        self.history.append((self.epoch, metrics))
        self.last = metrics
        return metrics

    def _step(self, batch: bilevel.Batch, val_batch: bilevel.Batch) -> float:
        if self.controller is not None:  # ENAS: train the shared weights on one sampled child
            if self.fair is not None:
                choice = self.fair.next()
            else:
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

    def accuracy(self, genotype: OneShotGenotype | None) -> float:
        """Validation accuracy under the shared weights: of ``genotype`` (its one-hot op
        weights), or of the supernet itself (softmax(alpha)) when None."""
        if genotype is None:
            return mixed_accuracy(self.supernet, self.val, None)
        mix = self.supernet.one_hot(genotype)  # type: ignore[arg-type]
        return mixed_accuracy(self.supernet, self.val, mix, skip_zeros=True)

    # -- the architecture --------------------------------------------------------------------

    def probabilities(self) -> torch.Tensor:
        """softmax(alpha) for DARTS, the controller's greedy policy for ENAS."""
        if self.controller is not None:
            return self.controller.policy()
        return self.supernet.probabilities().detach()

    def derive(self) -> OneShotGenotype:
        if self.controller is not None:
            assert isinstance(self.supernet, NB201Supernet)
            return self.controller.best_of(self.supernet, self.val, self.generator, self.ops)
        return self.supernet.derive(self.probabilities())

    def genotype(self) -> OneShotGenotype:
        """The search's result: the remedy's cell where it has one, else the derived cell."""
        if self.remedy is not None and self.remedy.genotype is not None:
            return self.remedy.genotype
        if self.config.remedy == "perturbation" and self.config.method == "darts":
            if self.selected is None:
                self.selected = self._perturbation_selection()
            return self.selected
        return self.derive()

    def _perturbation_selection(self) -> OneShotGenotype:
        """DARTS-PT after the last epoch; ``last["val_acc"]`` becomes the discretized
        supernet's (fine-tuned) validation accuracy."""
        tune_lr = float(self.schedule.get_last_lr()[0]) or self.config.lr * 1e-2

        def tune(mix: torch.Tensor) -> None:
            def loss(model: Any, params: bilevel.Params, b: bilevel.Batch) -> torch.Tensor:
                logits = self.supernet(b[0], mix=mix, skip_zeros=True)  # fixed op weights
                return torch.nn.functional.cross_entropy(logits, b[1])

            for group in self.optimizer.param_groups:
                group["lr"] = tune_lr
            self.supernet.train()
            for _ in range(self.config.tune_steps):
                with fast_path.autocast(self.device):
                    bilevel.weight_step(
                        self.supernet,
                        self.optimizer,
                        self._batch(self.train),
                        self.weights,
                        loss_fn=loss,
                    )

        selection = PerturbationSelection(self.supernet, self.val, tune, self.generator)
        genotype = selection.select()
        self.last = {
            **self.last,
            "val_acc": selection.accuracy(selection.mix),
            "parameter_free_share": parameter_free_share(genotype),
        }
        return genotype

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
            "fair": None if self.fair is None else self.fair.state_dict(),
            "remedy": None
            if self.remedy is None or self.remedy.genotype is None
            else self.remedy.genotype.to_dict(),
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
        if self.fair is not None:
            self.fair.load_state_dict(state["fair"])
        if self.remedy is not None and state["remedy"] is not None:
            kind = NB201Genotype if isinstance(self.supernet, NB201Supernet) else CellGenotype
            self.remedy.genotype = kind.from_dict(state["remedy"])
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
        return NB201Genotype(tuple(ops[k] for k in best), *supernet.skeleton)

    def state_dict(self) -> dict[str, Any]:
        return self.trainer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.trainer.load_state_dict(state)
