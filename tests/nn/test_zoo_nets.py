"""Every zoo family builds, trains one step and exports (ONNX checked) for each input kind it
takes, and refuses the others with a GenotypeError that says what to do; local weights files
load by name and shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from netsynth.estimation.train_loop import TensorSplit, train
from netsynth.export import export_model
from netsynth.nn import build
from netsynth.space.genotype import GenotypeError
from netsynth.space.zoo_genotype import FAMILY_INPUTS, ZooGenotype
from netsynth.training_config import TrainingConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# The smallest member of each family, at a quarter width: the checks are about shapes.
TINY = {
    "resnet": ZooGenotype("resnet", "8", width_multiplier=0.5, se=True),
    "wideresnet": ZooGenotype("wideresnet", "10-2", width_multiplier=0.25),
    "mobilenet_v2": ZooGenotype("mobilenet", "v2", width_multiplier=0.25, depth_multiplier=0.3),
    "mobilenet_v3": ZooGenotype("mobilenet", "v3_small", width_multiplier=0.25),
    "efficientnet": ZooGenotype("efficientnet", "b0", width_multiplier=0.25, depth_multiplier=0.3),
    "vgg": ZooGenotype("vgg", "11", width_multiplier=0.5),
    "mlp": ZooGenotype("mlp", "2x32"),
}
SHAPES = {"tabular": (13,), "sequence": (1, 40), "image": (1, 8, 8)}
SUPPORTED = [
    pytest.param(name, kind, id=f"{name}-{kind}")
    for name, genotype in TINY.items()
    for kind in SHAPES
    if kind in FAMILY_INPUTS[genotype.family]
]
UNSUPPORTED = [
    pytest.param(name, kind, id=f"{name}-{kind}")
    for name, genotype in TINY.items()
    for kind in SHAPES
    if kind not in FAMILY_INPUTS[genotype.family]
]


@pytest.mark.parametrize(("name", "kind"), SUPPORTED)
def test_builds_trains_one_step_and_exports(name: str, kind: str, tmp_path: Path) -> None:
    genotype, shape = TINY[name], SHAPES[kind]
    torch.manual_seed(0)
    net = build(genotype, shape, 3)
    data = TensorSplit(torch.randn(8, *shape), torch.arange(8) % 3)
    before = [p.detach().clone() for p in net.parameters()]
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=8, epochs=1, augment=0.0)
    train(net, data, None, config)
    moved = [not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters(), strict=True)]
    assert sum(moved) > len(moved) // 2  # one optimizer step reached most weights
    net.eval()
    assert net(data.x).shape == (8, 3)
    report = export_model(
        net,
        genotype,
        tmp_path / "model",
        input_shape=shape,
        num_classes=3,
        mean=np.zeros(shape, dtype=np.float32),
        std=np.ones(shape, dtype=np.float32),
        sample=data.x[:4].numpy(),
    )
    assert "model.onnx" in report.files
    assert report.max_abs_diff_onnx <= 1e-4


@pytest.mark.parametrize(("name", "kind"), UNSUPPORTED)
def test_refuses_an_input_kind_it_cannot_take(name: str, kind: str) -> None:
    with pytest.raises(GenotypeError, match=rf"{TINY[name].family}.*{kind}.*space.families"):
        build(TINY[name], SHAPES[kind], 3)


def test_uses_the_convolution_of_the_input_rank() -> None:
    genotype = TINY["resnet"]
    one_d = {type(m) for m in build(genotype, (2, 40), 3).modules() if isinstance(m, nn.Conv1d)}
    two_d = {type(m) for m in build(genotype, (2, 8, 8), 3).modules() if isinstance(m, nn.Conv2d)}
    assert one_d == {nn.Conv1d}
    assert two_d == {nn.Conv2d}


def test_stages_downsample_only_while_the_map_allows() -> None:
    # VGG has five pooling stages; 8x8 digits take three halvings (8 -> 4 -> 2), no more.
    net = build(ZooGenotype("vgg", "11", width_multiplier=0.5), (1, 8, 8), 3)
    pools = [m for m in net.modules() if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 2  # 8 -> 4 -> 2, then 2 is too short to halve
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 3)


def test_width_and_depth_multipliers_scale_the_network() -> None:
    def size(genotype: ZooGenotype, width_multiplier: float = 1.0) -> int:
        net = build(genotype, (1, 40), 3, width_multiplier=width_multiplier)
        return sum(p.numel() for p in net.parameters())

    base = ZooGenotype("resnet", "14")
    assert size(ZooGenotype("resnet", "14", width_multiplier=0.5)) < size(base)
    assert size(ZooGenotype("resnet", "14", depth_multiplier=0.5)) < size(base)
    # The builder's (lower-fidelity) multiplier multiplies the genotype's own.
    halved = ZooGenotype("resnet", "14", width_multiplier=0.5)
    assert size(base, width_multiplier=0.5) == size(halved)


def test_loads_matching_tensors_of_a_local_weights_file(tmp_path: Path) -> None:
    source = build(ZooGenotype("resnet", "8"), (1, 40), 5)  # a head for 5 classes
    path = tmp_path / "resnet8.safetensors"
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(path))
    net = build(ZooGenotype("resnet", "8", weights=str(path)), (1, 40), 3)
    own, saved = net.state_dict(), source.state_dict()
    for name, tensor in own.items():
        if name.startswith("classifier"):
            assert tensor.shape != saved[name].shape  # skipped: another class count
        else:
            assert torch.equal(tensor, saved[name]), name


def test_a_missing_or_unreadable_weights_file_is_a_genotype_error(tmp_path: Path) -> None:
    with pytest.raises(GenotypeError, match="not found"):
        build(ZooGenotype("vgg", "11", weights=str(tmp_path / "absent.safetensors")), (1, 40), 3)
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not safetensors")
    with pytest.raises(GenotypeError, match="not a readable safetensors file"):
        build(ZooGenotype("vgg", "11", weights=str(garbage)), (1, 40), 3)
    other = tmp_path / "mlp.safetensors"
    save_file({"something.else": torch.zeros(3)}, str(other))
    with pytest.raises(GenotypeError, match="no tensor"):
        build(ZooGenotype("vgg", "11", weights=str(other)), (1, 40), 3)


def test_efficientnet_drops_deeper_residual_branches_more_often_while_training() -> None:
    from netsynth.nn.zoo.stochastic_depth import StochasticDepth

    net = build(ZooGenotype("efficientnet", "b0", width_multiplier=0.25), (1, 8, 8), 3)
    rates = [m.p for m in net.modules() if isinstance(m, StochasticDepth)]
    assert len(rates) == 9  # B0's blocks with a shortcut: the repeats after each stage's first
    assert rates == sorted(rates) and rates[0] > 0 and rates[-1] < 0.2


def test_an_export_of_a_candidate_started_from_weights_loads_without_that_file(
    tmp_path: Path,
) -> None:
    from netsynth.export import load_model

    start = tmp_path / "start.safetensors"
    source = build(ZooGenotype("mlp", "2x32"), (13,), 3)
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(start))
    genotype = ZooGenotype("mlp", "2x32", weights=str(start))
    net = build(genotype, (13,), 3).eval()
    x = np.random.default_rng(0).normal(size=(4, 13)).astype(np.float32)
    export_model(
        net,
        genotype,
        tmp_path / "model",
        input_shape=(13,),
        num_classes=3,
        mean=np.zeros(13, dtype=np.float32),
        std=np.ones(13, dtype=np.float32),
        sample=x,
    )
    start.unlink()  # the export is copied to another machine, without the starting weights
    loaded = load_model(tmp_path / "model")
    assert loaded.genotype == genotype  # the record still says where training started
    assert torch.allclose(loaded(torch.from_numpy(x)), net(torch.from_numpy(x)), atol=1e-6)
