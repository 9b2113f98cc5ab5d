from __future__ import annotations

import numpy as np
import pytest

from netsynth.nn.build import build
from netsynth.nn.complexity import count_params
from netsynth.space.cell_space import CellSpace
from netsynth.space.chain_space import ChainSpace, ChainSpaceConfig
from netsynth.tapas.encoding import (
    TOKEN_WIDTH,
    TAPEncodingError,
    decode_layers,
    encode_layers,
)

SPACE = ChainSpace(
    ChainSpaceConfig(
        max_layers=8,
        ops=["conv", "sepconv", "maxpool", "avgpool", "dense"],
        activations=["relu", "gelu", "silu", "elu", "tanh"],
        norms=["none", "batch", "layer"],
        global_pools=["avg", "max"],
    )
)


@pytest.mark.parametrize("shape", [(1, 40), (1, 8, 8), (3, 16, 16)])
def test_encoding_round_trips_the_layers(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        genotype = SPACE.repair(SPACE.sample(rng), shape)
        rows = encode_layers(genotype, shape, 10)
        assert rows.shape[1] == TOKEN_WIDTH
        assert decode_layers(rows) == genotype


def test_the_summary_counts_the_parameters_of_the_built_network() -> None:
    rng = np.random.default_rng(1)
    for _ in range(30):
        genotype = SPACE.repair(SPACE.sample(rng), (1, 40))
        if any(layer.norm != "none" for layer in genotype.layers):
            continue  # norms carry parameters the summary leaves out
        rows = encode_layers(genotype, (1, 40), 10)
        params = 10 ** (rows[-1, -4] * 6.0) - 1.0
        assert params == pytest.approx(count_params(build(genotype, (1, 40), 10)), rel=1e-3)


def test_cell_genotypes_are_refused_naming_what_it_encodes() -> None:
    cell = CellSpace().sample(np.random.default_rng(0))
    with pytest.raises(TAPEncodingError, match="chain"):
        encode_layers(cell, (1, 40), 10)
    with pytest.raises(TAPEncodingError, match="chain"):
        encode_layers({"space": "dag", "nodes": []}, (1, 40), 10)
