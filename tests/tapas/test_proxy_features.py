"""Data-free zero-cost proxies as extra TAP inputs."""

from __future__ import annotations

import math

import pytest
import torch

from netsynth.nn.build import build
from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.tapas.lde_record import LDERecord
from netsynth.tapas.predictor import TAP, TAPConfig
from netsynth.tapas.proxy_features import proxy_features
from netsynth.tapas.zero_cost import synflow

SMALL = ChainGenotype((Layer("conv", 8, 3),))
LARGE = ChainGenotype((Layer("conv", 64, 5), Layer("conv", 64, 5), Layer("dense", 64)))


@pytest.mark.usefixtures("one_torch_thread")
def test_the_features_are_the_proxies_of_the_built_network() -> None:
    torch.manual_seed(0)
    net = build(LARGE, (1, 40), 10)
    score = synflow(net, torch.ones(2, 1, 40), torch.zeros(2, dtype=torch.int64))
    features = proxy_features(LARGE, (1, 40), 10, ("synflow", "params"))
    assert features[0] == pytest.approx(score / 10.0)
    assert features[1] == pytest.approx(
        math.log10(sum(p.numel() for p in net.parameters()) + 1) / 6
    )
    assert proxy_features(SMALL, (1, 40), 10, ("synflow",))[0] < features[0]


@pytest.mark.usefixtures("one_torch_thread")
def test_a_tap_with_proxy_inputs_fits_and_refuses_proxies_that_need_data() -> None:
    records = [
        LDERecord("d", 0.3, 10, (1, 40), g.to_dict(), {}, acc)
        for g, acc in ((SMALL, 0.4), (LARGE, 0.8))
    ]
    tap = TAP(TAPConfig(epochs=60, proxies=("synflow",)), seed=0).fit(records)
    small, large = tap.predict([SMALL, LARGE], dcn=0.3, input_shape=(1, 40), num_classes=10)
    assert small < large
    with pytest.raises(ValueError, match="data-free"):
        TAPConfig(proxies=("naswot",))
