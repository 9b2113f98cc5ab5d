"""Chain and zoo networks are one class, ``ClassifierNet``, under their old names too, with the
state-dict layout (``features.*``, ``pool.*``, ``classifier.*``) stored weights rely on."""

from __future__ import annotations

import torch

from netsynth.nn import build
from netsynth.nn.chain_net import ChainNet
from netsynth.nn.classifier_net import ClassifierNet
from netsynth.nn.zoo.blocks import ZooNet
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.zoo_genotype import ZooGenotype


def test_the_old_names_are_the_one_class() -> None:
    assert ChainNet is ClassifierNet and ZooNet is ClassifierNet


def test_chain_and_zoo_networks_share_the_state_dict_layout() -> None:
    chain = build(ChainGenotype((Layer("conv", 4, 3), Layer("dense", 8))), (1, 16), 3)
    zoo = build(ZooGenotype("mlp", "1x256", width_multiplier=0.25), (1, 16), 3)
    for net in (chain, zoo):
        assert isinstance(net, ClassifierNet)
        assert {key.split(".")[0] for key in net.state_dict()} <= {"features", "pool", "classifier"}
        assert net(torch.zeros(2, 1, 16)).shape == (2, 3)
    assert list(chain.state_dict())[:2] == ["features.0.0.weight", "features.0.0.bias"]
