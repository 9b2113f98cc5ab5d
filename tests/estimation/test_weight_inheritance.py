"""Weight inheritance: morphisms compute what the parent computed, and the training estimator
starts a mutated child from its parent's kept weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from netsynth.estimation.training import DataConfig, FinalConfig, TrainingEstimator
from netsynth.estimation.weight_inheritance import inherit
from netsynth.nn.chain_net import build_chain
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.chain_space import ChainSpace
from netsynth.space.dag_genotype import DagGenotype, DagNode
from netsynth.trial import Trial
from netsynth.trial_task import TrialTask

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SHAPE = (1, 16)


def trained_like(genotype: ChainGenotype, seed: int = 0) -> torch.nn.Module:
    """A network with random weights and non-trivial batch-norm statistics."""
    torch.manual_seed(seed)
    model = build_chain(genotype, SHAPE, 3)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(32, *SHAPE) * 2 + 1)
    return model.eval()


def child_of(
    parent: ChainGenotype, child: ChainGenotype
) -> tuple[torch.nn.Module, dict, torch.nn.Module]:
    parent_model = trained_like(parent)
    torch.manual_seed(1)
    child_model = build_chain(child, SHAPE, 3)
    record = inherit(child_model, child, parent_model.state_dict(), parent, seed=3)
    return parent_model, record, child_model.eval()


def same_function(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    x = torch.randn(64, *SHAPE)
    with torch.no_grad():
        return torch.allclose(a(x), b(x), atol=1e-5)


@pytest.mark.parametrize("norm", ["none", "batch"])
def test_a_wider_conv_layer_computes_what_the_parent_did(norm: str) -> None:
    parent = ChainGenotype((Layer("conv", 8, 3, norm=norm), Layer("conv", 6, 3), Layer("dense", 5)))
    child = ChainGenotype((Layer("conv", 13, 3, norm=norm), Layer("conv", 6, 3), Layer("dense", 5)))
    parent_model, record, child_model = child_of(parent, child)
    assert record["morphism"] == "wider layer 0 (8 -> 13 units)"
    assert record["function_preserving"] and record["tensors_inherited"] == record["tensors"]
    assert same_function(parent_model, child_model)


def test_a_wider_dense_layer_feeding_the_classifier_computes_the_same() -> None:
    parent = ChainGenotype((Layer("conv", 4, 3), Layer("dense", 5)))
    child = ChainGenotype((Layer("conv", 4, 3), Layer("dense", 9)))
    parent_model, record, child_model = child_of(parent, child)
    assert record["function_preserving"]
    assert same_function(parent_model, child_model)


def test_a_deeper_net_by_an_identity_layer_computes_the_same() -> None:
    parent = ChainGenotype((Layer("conv", 6, 3), Layer("dense", 5)))
    child = ChainGenotype((Layer("conv", 6, 3), Layer("conv", 6, 3), Layer("dense", 5)))
    parent_model, record, child_model = child_of(parent, child)
    assert record["morphism"] == "deeper: identity layer 1 (conv6k3-relu)"
    assert record["function_preserving"]
    assert same_function(parent_model, child_model)


@pytest.mark.parametrize("op", ["conv", "sepconv"])
def test_a_larger_kernel_computes_the_same(op: str) -> None:
    parent = ChainGenotype((Layer("conv", 6, 3), Layer(op, 6, 3, norm="batch"), Layer("dense", 5)))
    child = ChainGenotype((Layer("conv", 6, 3), Layer(op, 6, 5, norm="batch"), Layer("dense", 5)))
    parent_model, record, child_model = child_of(parent, child)
    assert record["morphism"] == "larger kernel in layer 1 (3 -> 5)"
    assert record["function_preserving"] and record["tensors_inherited"] == record["tensors"]
    assert same_function(parent_model, child_model)


def test_an_added_norm_keeps_the_other_layers_only() -> None:
    parent = ChainGenotype((Layer("conv", 6, 3), Layer("conv", 6, 3), Layer("dense", 5)))
    child = ChainGenotype(
        (Layer("conv", 6, 3), Layer("conv", 6, 3, norm="batch"), Layer("dense", 5))
    )
    parent_model, record, child_model = child_of(parent, child)
    assert record["morphism"] == "layer 1 changed (conv6k3-relu -> conv6k3-batch-relu)"
    assert not record["function_preserving"]
    assert 0 < record["tensors_inherited"] < record["tensors"]
    assert torch.equal(
        child_model.state_dict()["features.0.0.weight"],
        parent_model.state_dict()["features.0.0.weight"],
    )


def test_a_removed_layer_keeps_what_still_fits() -> None:
    parent = ChainGenotype((Layer("conv", 6, 3), Layer("maxpool", kernel=2), Layer("dense", 5)))
    child = ChainGenotype((Layer("conv", 6, 3), Layer("dense", 5)))
    _, record, _ = child_of(parent, child)
    assert record["morphism"] == "layer 1 removed (maxpoolk2)"
    assert record["tensors_inherited"] == record["tensors"]  # a pool has no weights


def write_sequences(path: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    x = rng.normal(size=(len(y), 1, 16)) + 1.5 * (y[:, None, None] - 1.0)
    np.savez(path, x=x.astype(np.float32), y=y)
    return path


def test_the_estimator_starts_a_child_from_its_parents_kept_weights(tmp_path: Path) -> None:
    from netsynth.space.chain_space import ChainSpaceConfig, TrainingSpaceConfig

    space = ChainSpace(
        ChainSpaceConfig(
            min_layers=1,
            max_layers=2,
            ops=["conv", "dense"],
            kernels=[3],
            widths=[4, 8],
            activations=["relu"],
            norms=["none"],
            dropouts=[0.0],
            training=TrainingSpaceConfig(optimizer="adamw", lr=0.01, batch_size=16, epochs=3),
        )
    )
    estimator = TrainingEstimator(
        space,
        DataConfig(str(write_sequences(tmp_path / "seq.npz"))),
        FinalConfig(export_dir=str(tmp_path / "models")),
        device="cpu",
        threads=1,
        inherit_epochs=1,
    )
    import numpy as np

    _, training = space.decode(space.flat().sample(np.random.default_rng(0)))
    parent_params = space.params_of(ChainGenotype((Layer("conv", 4, 3),)), training)
    child_params = space.params_of(ChainGenotype((Layer("conv", 8, 3),)), training)

    class Silent:
        def report(self, *args: object) -> bool:
            return False

    def run(params: dict, number: int, parent: int | None) -> Trial:
        task = TrialTask(
            number + 1, number, 0, "val_acc", params, experiment="inherit", parent=parent
        )
        trial = Trial(task, Silent())
        estimator.estimate(trial)
        return trial

    parent = run(parent_params, 0, None)
    assert "inherited" not in parent.attrs and parent.attrs["training"]["epochs"] == 3
    assert (tmp_path / "models" / "trials" / "trial-0.safetensors").exists()
    child = run(child_params, 1, parent=0)
    inherited = child.attrs["inherited"]
    assert inherited["parent"] == 0 and inherited["morphism"] == "wider layer 0 (4 -> 8 units)"
    assert child.attrs["training"]["epochs"] == 1  # inherited: trains inherit_epochs only
    orphan = run(child_params, 2, parent=7)  # no kept weights for trial 7: from scratch
    assert "inherited" not in orphan.attrs and orphan.attrs["training"]["epochs"] == 3


def dag_child_of(
    parent: DagGenotype, child: DagGenotype
) -> tuple[torch.nn.Module, dict[str, Any], torch.nn.Module]:
    from netsynth.nn.dag_net import build_dag

    torch.manual_seed(0)
    parent_model = build_dag(parent, SHAPE, 3).eval()
    torch.manual_seed(1)
    child_model = build_dag(child, SHAPE, 3)
    record = inherit(child_model, child, parent_model.state_dict(), parent, seed=3)
    return parent_model, record, child_model.eval()


def test_an_added_skip_with_a_projection_computes_the_same() -> None:
    nodes = [DagNode("conv", (0,), width=16, kernel=3), DagNode("conv", (1,), width=16, kernel=3)]
    parent = DagGenotype((*nodes, DagNode("conv", (2,), width=16, kernel=3)), stem_width=8)
    child = DagGenotype((*nodes, DagNode("conv", (0, 2), width=16, kernel=3)), stem_width=8)
    parent_model, record, child_model = dag_child_of(parent, child)
    assert record["morphism"] == "added skip 0 -> node 3 (zero-initialized projection)"
    assert record["function_preserving"]
    assert same_function(parent_model, child_model)


def test_an_added_identity_skip_is_inherited_but_changes_the_function() -> None:
    nodes = [DagNode("conv", (0,), width=8, kernel=3), DagNode("conv", (1,), width=8, kernel=3)]
    parent = DagGenotype((*nodes, DagNode("conv", (2,), width=8, kernel=3)), stem_width=8)
    child = DagGenotype((*nodes, DagNode("conv", (1, 2), width=8, kernel=3)), stem_width=8)
    _, record, _ = dag_child_of(parent, child)
    assert record["morphism"] == "added skip 1 -> node 3 (identity, changes the function)"
    assert not record["function_preserving"]
    assert record["tensors_inherited"] == record["tensors"]
