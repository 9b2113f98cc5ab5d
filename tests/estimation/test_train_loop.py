"""The training loop: it learns an easy problem, stops when told, repeats itself exactly under
the same seed, refuses to go on after diverging, and copes with batches larger than the data."""

from __future__ import annotations

import pytest
import torch

from netsynth.data import augment as augment_batch
from netsynth.estimation.train_loop import TensorSplit, evaluate, train
from netsynth.nn import build
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.training_config import TrainingConfig

# Tiny nets train far faster on one thread than on two (thread overhead dominates).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def separable(n: int, seed: int) -> TensorSplit:
    """Two classes of 8 features on either side of a hyperplane, with a clear margin."""
    generator = torch.Generator().manual_seed(seed)
    direction = torch.linspace(-1.0, 1.0, 8)
    direction = direction / direction.norm()
    y = torch.arange(n) % 2
    x = torch.randn(n, 8, generator=generator)
    x = x - (x @ direction)[:, None] * direction  # project onto the hyperplane ...
    x = x + ((2 * y - 1) * (1.0 + torch.rand(n, generator=generator)))[:, None] * direction
    return TensorSplit(x.float(), y.long())  # ... then move 1-2 units to the class's side


def sequences(n: int, seed: int) -> TensorSplit:
    """Three classes of (1, 16) sequences with class-dependent means."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    x = torch.randn(n, 1, 16, generator=generator) + (y.float() - 1.0)[:, None, None]
    return TensorSplit(x, y.long())


GENOTYPE = ChainGenotype(
    (Layer("conv", width=8, kernel=3, norm="batch", dropout=0.1), Layer("dense", width=8))
)
DENSE = ChainGenotype((Layer("dense", width=16, norm="batch", dropout=0.1),))


def test_learns_a_linearly_separable_problem() -> None:
    torch.manual_seed(0)
    model = build(DENSE, (8,), 2)
    config = TrainingConfig(lr=1e-2, batch_size=32, epochs=8, weight_decay=0.0)
    result = train(model, separable(256, seed=0), separable(128, seed=1), config, seed=0)
    assert result.val_acc is not None and result.val_acc > 0.9
    assert result.epochs == 8 and not result.stopped_early
    assert len(result.curve) == 8
    assert [entry["epoch"] for entry in result.curve] == [float(e) for e in range(8)]
    assert result.curve[-1]["train_loss"] < result.curve[0]["train_loss"]
    assert result.best_val_acc == max(entry["val_acc"] for entry in result.curve)
    assert (result.val_acc, result.val_loss) == evaluate(model, separable(128, seed=1))


def test_learns_sequences_with_sgd_and_a_cosine_schedule() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    config = TrainingConfig(optimizer="sgd", lr=0.05, batch_size=32, epochs=8, schedule="cosine")
    result = train(model, sequences(240, seed=0), sequences(120, seed=1), config, seed=0)
    assert result.val_acc is not None and result.val_acc > 0.9


@pytest.mark.parametrize("stop_at", [0, 2])
def test_on_epoch_returning_true_stops_after_that_epoch(stop_at: int) -> None:
    calls: list[tuple[int, dict[str, float]]] = []

    def on_epoch(epoch: int, metrics: dict[str, float]) -> bool:
        calls.append((epoch, dict(metrics)))
        return epoch == stop_at

    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    config = TrainingConfig(batch_size=32, epochs=5)
    result = train(model, sequences(96, 0), sequences(48, 1), config, on_epoch=on_epoch)
    assert result.epochs == stop_at + 1
    assert result.stopped_early
    assert len(result.curve) == stop_at + 1
    assert [epoch for epoch, _ in calls] == list(range(stop_at + 1))
    for _, metrics in calls:
        assert set(metrics) == {"train_loss", "val_acc", "val_loss"}


def test_stopping_at_the_last_epoch_is_not_early() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    config = TrainingConfig(batch_size=32, epochs=3)
    result = train(model, sequences(64, 0), None, config, on_epoch=lambda epoch, _: epoch == 2)
    assert result.epochs == 3 and not result.stopped_early


def test_without_validation_data_only_train_loss_is_reported() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    seen: list[dict[str, float]] = []

    def on_epoch(epoch: int, metrics: dict[str, float]) -> bool:
        seen.append(metrics)
        return False

    result = train(model, sequences(64, 0), None, TrainingConfig(epochs=2), on_epoch=on_epoch)
    assert result.val_acc is None and result.val_loss is None and result.best_val_acc is None
    assert [set(metrics) for metrics in seen] == [{"train_loss"}, {"train_loss"}]


def run(seed: int, config: TrainingConfig) -> list[dict[str, float]]:
    torch.manual_seed(seed)
    model = build(GENOTYPE, (1, 16), 3)
    return train(model, sequences(128, 0), sequences(48, 1), config, seed=seed).curve


@pytest.mark.parametrize("augment", [0.0, 0.5])
def test_same_seed_gives_a_bitwise_identical_curve(augment: float) -> None:
    def augmenter(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return augment_batch(x, "sequence", augment, generator)

    def curve(seed: int) -> list[dict[str, float]]:
        torch.manual_seed(seed)
        model = build(GENOTYPE, (1, 16), 3)
        config = TrainingConfig(batch_size=16, epochs=3, augment=augment)
        result = train(
            model, sequences(128, 0), sequences(48, 1), config, augment=augmenter, seed=seed
        )
        return result.curve

    first, second, other = curve(7), curve(7), curve(8)
    assert first == second  # exact float equality, epoch by epoch
    assert first != other


def test_a_diverging_run_raises_floating_point_error() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    config = TrainingConfig(optimizer="sgd", lr=1e6, batch_size=16, epochs=3, schedule="constant")
    with pytest.raises(FloatingPointError, match="training diverged"):
        train(model, sequences(96, 0), sequences(48, 1), config)


def test_batch_size_larger_than_the_data_works() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    config = TrainingConfig(batch_size=4096, epochs=3)
    result = train(model, sequences(30, 0), sequences(12, 1), config)
    assert result.epochs == 3
    assert all(torch.isfinite(torch.tensor(entry["train_loss"])) for entry in result.curve)
    assert result.val_acc is not None and 0.0 <= result.val_acc <= 1.0


def test_training_changes_the_weights_in_place() -> None:
    torch.manual_seed(0)
    model = build(GENOTYPE, (1, 16), 3)
    before = [p.detach().clone() for p in model.parameters()]
    train(model, sequences(64, 0), None, TrainingConfig(batch_size=32, epochs=1))
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize("schedule", ["onecycle", "cosine", "constant"])
def test_every_schedule_works_for_short_runs(schedule: str) -> None:
    """Low fidelities and small datasets make runs of a handful of steps; each must train.
    (OneCycleLR with pct_start=0.25 divides by zero when the run has exactly 4 steps.)"""
    failures = []
    for epochs in (1, 2, 4):
        for steps_per_epoch in (1, 2, 4):
            torch.manual_seed(0)
            model = build(GENOTYPE, (1, 16), 3)
            config = TrainingConfig(batch_size=8, epochs=epochs, schedule=schedule)
            try:
                result = train(model, sequences(8 * steps_per_epoch, 0), None, config)
            except ZeroDivisionError as exc:
                failures.append(f"{epochs} epochs of {steps_per_epoch} steps: {exc!r}")
                continue
            assert result.epochs == epochs
    assert not failures, "; ".join(failures)


def test_evaluate_counts_accuracy_and_mean_loss() -> None:
    class Fixed(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x  # the inputs are the logits

    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [0.0, 2.0]])
    y = torch.tensor([0, 1, 1, 1])
    accuracy, loss = evaluate(Fixed(), TensorSplit(logits, y), batch_size=3)
    assert accuracy == 0.75
    expected = torch.nn.functional.cross_entropy(logits, y).item()
    assert loss == pytest.approx(expected, rel=1e-6)


def test_a_deadline_ends_training_mid_epoch_and_still_evaluates() -> None:
    import time

    torch.manual_seed(0)
    model = build(DENSE, (8,), 2)
    config = TrainingConfig(lr=1e-2, batch_size=8, epochs=50)
    steps: list[int] = []

    def on_epoch(epoch: int, metrics: dict[str, float]) -> bool:
        steps.append(epoch)
        return False

    result = train(
        model,
        separable(4096, seed=0),
        separable(64, seed=1),
        config,
        on_epoch=on_epoch,
        deadline=time.time(),  # already passed: one step, then stop
    )
    assert result.partial_epoch and result.stopped_early
    assert result.epochs == 1 and steps == [0]  # the cut epoch is reported once
    assert result.steps < 4096 // 8 and result.val_acc is not None


def test_a_time_budget_anneals_the_rate_and_stops_at_its_end() -> None:
    from netsynth.estimation.train_loop import lr_share

    torch.manual_seed(0)
    model = build(DENSE, (8,), 2)
    config = TrainingConfig(lr=1e-2, batch_size=8, epochs=10_000)
    result = train(model, separable(512, seed=0), None, config, time_budget=0.5)
    assert result.partial_epoch and 0 < result.epochs < 10_000
    assert lr_share("onecycle", 1.0) < 1e-4 < lr_share("onecycle", 0.5)
    assert result.steps > 0


def test_a_time_budget_does_not_stretch_a_short_run() -> None:
    torch.manual_seed(0)
    model = build(DENSE, (8,), 2)
    config = TrainingConfig(lr=1e-2, batch_size=32, epochs=2)
    result = train(model, separable(256, seed=0), None, config, time_budget=3600.0)
    assert result.epochs == 2 and not result.partial_epoch and result.steps == 2 * (256 // 32)
