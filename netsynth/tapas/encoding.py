"""TAPAS's layer-by-layer encoding of a chain network.

A network is read as tokens in execution order — its spatial layers, the global pooling, its
dense layers, the final linear classifier — and each token becomes one row of ``TOKEN_WIDTH``
numbers: the layer's own description (op, kernel, width, activation, norm, dropout), then a
summary of the sub-network from the input up to and including it (depth, parameters, FLOPs,
output channels, remaining spatial size). The predictor adds the accuracy field itself.

Only chain genotypes can be encoded (cell and DAG networks have no single layer order);
``encode_layers`` refuses anything else with a ``TAPEncodingError`` naming what it takes.

>>> from netsynth.space.chain_genotype import ChainGenotype, Layer
>>> g = ChainGenotype((Layer("conv", 16, 5, norm="batch"), Layer("maxpool", kernel=2)))
>>> rows = encode_layers(g, (1, 40), 10)
>>> rows.shape
(4, 24)
>>> decode_layers(rows) == g
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from netsynth.space.chain_genotype import ACTIVATIONS, NORMS, ChainGenotype, Layer
from netsynth.space.genotype import Genotype

TOKEN_OPS = ("conv", "sepconv", "maxpool", "avgpool", "gpool_avg", "gpool_max", "dense", "linear")
OWN_WIDTH = len(TOKEN_OPS) + 2 + len(ACTIVATIONS) + len(NORMS) + 1  # op, kernel, width, act...
SUMMARY_WIDTH = 5  # depth, log params, log flops, log channels, spatial share
TOKEN_WIDTH = OWN_WIDTH + SUMMARY_WIDTH  # 24


class TAPEncodingError(ValueError):
    """A network the TAP cannot encode."""


def chain_of(genotype: Genotype | dict[str, Any]) -> ChainGenotype:
    """The chain genotype of ``genotype`` (a genotype or its dict), or a clear refusal."""
    if isinstance(genotype, dict):
        space = genotype.get("space", "chain")
        if space != "chain":
            raise TAPEncodingError(_refusal(space))
        return ChainGenotype.from_dict(genotype)
    if not isinstance(genotype, ChainGenotype):
        raise TAPEncodingError(_refusal(type(genotype).__name__))
    return genotype


def _refusal(what: str) -> str:
    return (
        f"the TAPAS predictor encodes chain (layer-by-layer) networks only, got {what!r}: "
        "cell, DAG, NB201 and zoo networks have no single layer order to read; use "
        "'architecture: {type: chain}' with estimator type tapas, or a training or zero-cost "
        "estimator"
    )


def encode_layers(
    genotype: Genotype | dict[str, Any], input_shape: Sequence[int], num_classes: int
) -> NDArray[np.float32]:
    """(tokens, TOKEN_WIDTH) rows, one per token, for inputs of ``input_shape``."""
    tokens = token_rows(genotype, input_shape, num_classes)
    out = np.empty((len(tokens), TOKEN_WIDTH), dtype=np.float32)
    for i, (own, summary) in enumerate(tokens):
        out[i, :OWN_WIDTH] = own
        out[i, OWN_WIDTH:] = summary
    return out


def token_rows(
    genotype: Genotype | dict[str, Any], input_shape: Sequence[int], num_classes: int
) -> list[tuple[NDArray[np.float32], tuple[float, float, float, float, float]]]:
    """Per token, its own description (OWN_WIDTH, shared between equal layers) and the five
    summary numbers; ``encode_layers`` without the copying, for batches."""
    chain = chain_of(genotype)
    channels = int(input_shape[0])
    dims = len(input_shape) - 1  # 0 for tabular
    area0 = float(math.prod(int(s) for s in input_shape[1:])) if dims else 1.0
    area = area0
    params = flops = 0.0
    tokens: list[tuple[str, Layer | None]] = [(la.op, la) for la in chain.layers if la.is_spatial]
    if dims:
        tokens.append((f"gpool_{chain.global_pool}", None))
    tokens += [("dense", la) for la in chain.layers if not la.is_spatial]
    tokens.append(("linear", None))
    out = []
    for depth, (op, layer) in enumerate(tokens, start=1):
        kernel = layer.kernel if layer is not None else 0
        width = 0
        if op in ("conv", "sepconv", "dense", "linear"):
            width = num_classes if layer is None else layer.width
            taps = kernel**dims if op in ("conv", "sepconv") else 1
            weights = (
                channels * taps + channels * width if op == "sepconv" else channels * width * taps
            )
            params += weights + width
            flops += weights * (area if op in ("conv", "sepconv") else 1.0)
            channels = width
        elif op in ("maxpool", "avgpool"):
            area = max(area / kernel**dims, 1.0)
        else:  # global pooling
            area = 1.0
        summary = (
            depth / 10.0,
            math.log10(params + 1.0) / 6.0,
            math.log10(flops + 1.0) / 8.0,
            math.log2(channels) / 8.0,
            area / area0,
        )
        out.append((_own(op, layer, width), summary))
    return out


@lru_cache(maxsize=4096)
def _own(op: str, layer: Layer | None, width: int) -> NDArray[np.float32]:
    """A token's own description: op one-hot, kernel, log width, activation, norm, dropout."""
    kernel = layer.kernel if layer is not None else 0
    act = layer.activation if layer is not None and layer.width else ""
    norm = layer.norm if layer is not None and layer.width else ""
    own = [float(op == o) for o in TOKEN_OPS]
    own += [kernel / 8.0, math.log2(width) / 8.0 if width else 0.0]
    own += [float(act == a) for a in ACTIVATIONS] + [float(norm == n) for n in NORMS]
    own += [layer.dropout if layer is not None else 0.0]
    row = np.asarray(own, dtype=np.float32)
    row.flags.writeable = False  # shared by every token of an equal layer
    return row


def decode_layers(rows: NDArray[np.float32]) -> ChainGenotype:
    """The chain genotype whose ``encode_layers`` gave ``rows`` (the layers' own parts)."""
    n_ops, n_act, n_norm = len(TOKEN_OPS), len(ACTIVATIONS), len(NORMS)
    layers: list[Layer] = []
    pool = "avg"
    for row in rows:
        op = TOKEN_OPS[int(np.argmax(row[:n_ops]))]
        kernel = round(float(row[n_ops]) * 8.0)
        width = round(2.0 ** (float(row[n_ops + 1]) * 8.0)) if row[n_ops + 1] > 0 else 0
        a = row[n_ops + 2 : n_ops + 2 + n_act]
        nm = row[n_ops + 2 + n_act : n_ops + 2 + n_act + n_norm]
        dropout = float(row[n_ops + 2 + n_act + n_norm])
        if op.startswith("gpool_"):
            pool = op.removeprefix("gpool_")
        elif op in ("maxpool", "avgpool"):
            layers.append(Layer(op, kernel=kernel))
        elif op != "linear":
            layers.append(
                Layer(
                    op,
                    width=width,
                    kernel=kernel,
                    activation=ACTIVATIONS[int(np.argmax(a))],
                    norm=NORMS[int(np.argmax(nm))],
                    dropout=round(dropout, 6),
                )
            )
    return ChainGenotype(tuple(layers), pool)
