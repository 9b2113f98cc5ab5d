"""The chain-structured (layer-based) space, joint with training hyperparameters.

Two views: ``flat()`` is a labelled ``SearchSpace`` of categorical and numeric
choices for generic strategies — ``layers``, ``l0.op``, ``l0.width``, ... , ``lr``,
``batch_size`` — with conditions (layer ``i`` exists only when ``layers > i``; a kernel only
for convolutions); ``decode(params)`` gives the structured ``ChainGenotype`` and the
``TrainingConfig``, and ``params_of`` goes back.

>>> import numpy as np
>>> space = ChainSpace(ChainSpaceConfig(max_layers=4))
>>> params = space.flat().sample(np.random.default_rng(0))
>>> genotype, training = space.decode(params)
>>> len(genotype.layers) == params["layers"]
True
>>> space.params_of(genotype, training) == params
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from netsynth.space.chain_genotype import POOL_OPS, ChainGenotype, Layer
from netsynth.space.distributions import ChoiceValue, ParamValue
from netsynth.space.genotype import Genotype
from netsynth.space.one_hot import one_hot, unique
from netsynth.space.search_space import Condition
from netsynth.space.space_base import BaseArchitectureSpace
from netsynth.space.training_space import FlatBuilder, Range, TrainingSpaceConfig
from netsynth.strict_model import Strict
from netsynth.training_config import TrainingConfig

_WEIGHTED = ("conv", "sepconv", "dense")  # ops with width, activation, norm, dropout
_KERNELED = ("conv", "sepconv")


class ChainSpaceConfig(Strict):
    """``space: {type: chain, ...}`` in a spec."""

    type: Literal["chain"] = "chain"
    min_layers: int = Field(default=1, ge=0, le=32)
    max_layers: int = Field(default=6, ge=1, le=32)
    ops: list[Literal["conv", "sepconv", "maxpool", "avgpool", "dense"]] = Field(
        default=["conv", "sepconv", "maxpool", "dense"], min_length=1
    )
    kernels: list[int] = Field(default=[3, 5, 7], min_length=1)
    pool_window: int = Field(default=2, ge=2)
    widths: list[int] = Field(default=[16, 32, 64, 128], min_length=1)
    activations: list[Literal["relu", "gelu", "silu", "elu", "tanh"]] = Field(
        default=["relu", "gelu"], min_length=1
    )
    norms: list[Literal["none", "batch", "layer"]] = Field(default=["batch", "none"], min_length=1)
    dropouts: list[float] = Field(default=[0.0, 0.1, 0.25], min_length=1)
    global_pools: list[Literal["avg", "max"]] = Field(default=["avg"], min_length=1)
    # The widest convolution allowed while the map is still large (an image side above 16, a
    # sequence longer than 256): a wider one gets 2x2 max pooling in front of it (early
    # downsampling; see netsynth.nn.repair). null lets wide layers run at full resolution.
    full_resolution_width: int | None = Field(default=32, ge=1)
    training: TrainingSpaceConfig = TrainingSpaceConfig()

    @model_validator(mode="after")
    def _consistent(self) -> ChainSpaceConfig:
        if self.min_layers > self.max_layers:
            raise ValueError(f"min_layers ({self.min_layers}) > max_layers ({self.max_layers})")
        if any(k < 1 for k in self.kernels) or any(w < 1 for w in self.widths):
            raise ValueError("kernels and widths must be >= 1")
        if any(not 0.0 <= d < 1.0 for d in self.dropouts):
            raise ValueError("dropouts must be in [0, 1)")
        return self


class ChainSpace(BaseArchitectureSpace[ChainSpaceConfig, ChainGenotype]):
    """A chain of ``min_layers``..``max_layers`` layers plus training hyperparameters."""

    builder = "netsynth.nn.chain_net:build_chain"

    # -- the flat view -------------------------------------------------------------------------

    def _add_choices(self, flat: FlatBuilder) -> None:
        c = self.config
        flat.add_count("layers", c.min_layers, c.max_layers)
        ops = unique(c.ops)
        weighted = tuple(op for op in ops if op in _WEIGHTED)
        kerneled = tuple(op for op in ops if op in _KERNELED)
        for i in range(c.max_layers):
            exists: Condition | None = None
            if "layers" in flat.distributions and i >= c.min_layers:
                exists = Condition("layers", tuple(range(i + 1, c.max_layers + 1)))
            flat.add(f"l{i}.op", ops, exists)
            op_searched = f"l{i}.op" in flat.distributions

            def under(
                allowed: tuple[ChoiceValue, ...],
                i: int = i,
                op_searched: bool = op_searched,
                exists: Condition | None = exists,
            ) -> Condition | None:
                return Condition(f"l{i}.op", allowed) if op_searched else exists

            if weighted:
                flat.add(f"l{i}.width", unique(c.widths), under(weighted))
                flat.add(f"l{i}.activation", unique(c.activations), under(weighted))
                flat.add(f"l{i}.norm", unique(c.norms), under(weighted))
                flat.add(f"l{i}.dropout", unique(c.dropouts), under(weighted))
            if kerneled:
                flat.add(f"l{i}.kernel", unique(c.kernels), under(kerneled))
        flat.add("global_pool", unique(c.global_pools))

    def _genotype_of(self, values: Mapping[str, ParamValue]) -> ChainGenotype:
        layers = []
        for i in range(int(values["layers"])):  # type: ignore[arg-type]
            op = str(values[f"l{i}.op"])
            if op in POOL_OPS:
                layers.append(Layer(op, kernel=self.config.pool_window))
                continue
            layers.append(
                Layer(
                    op,
                    width=int(values[f"l{i}.width"]),  # type: ignore[arg-type]
                    kernel=int(values.get(f"l{i}.kernel", 0) or 0),  # type: ignore[arg-type]
                    activation=str(values[f"l{i}.activation"]),
                    norm=str(values[f"l{i}.norm"]),
                    dropout=float(values[f"l{i}.dropout"]),  # type: ignore[arg-type]
                )
            )
        return ChainGenotype(tuple(layers), str(values["global_pool"]))

    def _architecture_params(self, genotype: Genotype) -> dict[str, ParamValue]:
        chain = self._own(genotype)
        params: dict[str, ParamValue] = {"layers": len(chain.layers)}
        for i, layer in enumerate(chain.layers):
            params[f"l{i}.op"] = layer.op
            if layer.op in _WEIGHTED:
                params[f"l{i}.width"] = layer.width
                params[f"l{i}.activation"] = layer.activation
                params[f"l{i}.norm"] = layer.norm
                params[f"l{i}.dropout"] = layer.dropout
            if layer.op in _KERNELED:
                params[f"l{i}.kernel"] = layer.kernel
        params["global_pool"] = chain.global_pool
        return params

    # -- the structured view -------------------------------------------------------------------

    def _layer_choices(self, layer: Layer) -> list[Layer]:
        """Every layer one attribute away from ``layer`` within the space."""
        c = self.config
        options: list[Layer] = []
        for op in unique(c.ops):
            if op == layer.op:
                continue
            options.append(self._new_layer(op, like=layer))
        if layer.op in _WEIGHTED:
            for field, values in (
                ("width", c.widths),
                ("activation", c.activations),
                ("norm", c.norms),
                ("dropout", c.dropouts),
            ):
                for value in unique(values):
                    if value != getattr(layer, field):
                        options.append(replace(layer, **{field: value}))
        if layer.op in _KERNELED:
            options += [replace(layer, kernel=k) for k in unique(c.kernels) if k != layer.kernel]
        return options

    def _new_layer(self, op: str, like: Layer | None = None) -> Layer:
        c = self.config
        if op in POOL_OPS:
            return Layer(op, kernel=c.pool_window)

        def keep(field: str, values: list[Any]) -> Any:
            value = getattr(like, field, None)
            return value if value in values else values[0]

        return Layer(
            op,
            width=keep("width", c.widths),
            kernel=keep("kernel", c.kernels) if op in _KERNELED else 0,
            activation=keep("activation", list(c.activations)),
            norm=keep("norm", list(c.norms)),
            dropout=keep("dropout", c.dropouts),
        )

    def neighbours(self, genotype: Genotype) -> list[Genotype]:
        chain = self._own(genotype)
        c, layers = self.config, list(chain.layers)
        result: list[Genotype] = []
        for i, layer in enumerate(layers):
            result += [
                chain.with_layers((*layers[:i], new, *layers[i + 1 :]))
                for new in self._layer_choices(layer)
            ]
        if len(layers) < c.max_layers:
            for i in range(len(layers) + 1):
                for op in unique(c.ops):
                    new = self._new_layer(
                        op, like=layers[min(i, len(layers) - 1)] if layers else None
                    )
                    result.append(chain.with_layers((*layers[:i], new, *layers[i:])))
        if len(layers) > c.min_layers:
            result += [
                chain.with_layers((*layers[:i], *layers[i + 1 :])) for i in range(len(layers))
            ]
        result += [
            replace(chain, global_pool=p) for p in unique(c.global_pools) if p != chain.global_pool
        ]
        return result

    def encode(self, genotype: Genotype) -> np.ndarray:
        """Per layer slot (``max_layers`` of them): one-hot op (or absent), width, kernel,
        activation, norm, dropout; then one-hot global pooling."""
        chain, c = self._own(genotype), self.config
        parts: list[np.ndarray] = []
        ops = ["absent", *unique(c.ops)]
        for i in range(c.max_layers):
            layer = chain.layers[i] if i < len(chain.layers) else None
            parts.append(one_hot(layer.op if layer else "absent", ops))
            parts.append(one_hot(layer.width if layer else None, unique(c.widths)))
            parts.append(one_hot(layer.kernel if layer else None, unique(c.kernels)))
            parts.append(one_hot(layer.activation if layer else None, unique(c.activations)))
            parts.append(one_hot(layer.norm if layer else None, unique(c.norms)))
            parts.append(one_hot(layer.dropout if layer else None, unique(c.dropouts)))
        parts.append(one_hot(chain.global_pool, unique(c.global_pools)))
        return np.concatenate(parts)

    def canonical(self, genotype: Genotype) -> Genotype:
        # A chain has one form per function already (pools carry no weights; repair depends
        # on the input and is applied before training).
        return self._own(genotype)

    def repair(self, genotype: Genotype, input_shape: Sequence[int]) -> ChainGenotype:
        from netsynth.space.chain_repair import repair  # torch-free, but keep the space light

        return repair(
            self._own(genotype),
            input_shape,
            full_resolution_width=self.config.full_resolution_width,
        )

    def graph(self, genotype: Genotype) -> dict[str, Any]:
        chain = self._own(genotype)
        spatial = [layer for layer in chain.layers if layer.is_spatial]
        dense = [layer for layer in chain.layers if not layer.is_spatial]
        labels = ["input"]
        labels += [_layer_label(layer) for layer in spatial]
        labels.append(f"global {chain.global_pool} pool")
        labels += [_layer_label(layer) for layer in dense]
        labels.append("linear")
        nodes = [{"id": i, "label": label} for i, label in enumerate(labels)]
        edges = [{"source": i, "target": i + 1, "label": ""} for i in range(len(labels) - 1)]
        return {"kind": "chain", "nodes": nodes, "edges": edges}


def _layer_label(layer: Layer) -> str:
    if layer.op in POOL_OPS:
        return f"{layer.op} {layer.kernel}"
    head = (
        f"{layer.op} {layer.kernel}, {layer.width} ch" if layer.kernel else f"dense {layer.width}"
    )
    parts = [head]
    if layer.norm != "none":
        parts.append(f"{layer.norm} norm")
    parts.append(layer.activation)
    if layer.dropout:
        parts.append(f"dropout {layer.dropout:g}")
    return ", ".join(parts)


# TrainingConfig: what ``decode`` returns beside the genotype.
__all__ = ["ChainSpace", "ChainSpaceConfig", "Range", "TrainingConfig", "TrainingSpaceConfig"]
