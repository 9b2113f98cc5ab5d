"""Predict how long one training epoch of a candidate network takes on this machine.

A search with a wall-clock limit must know, before training a candidate, whether it can
afford it. The prediction has two halves:

- ``cost_features``: cheap per-network counts, taken without any real compute. The network is
  built on PyTorch's ``meta`` device (shapes only, no memory, no arithmetic) and one forward
  pass of a two-sample batch in training mode is traced at the ATen level, which sees every
  operation whatever module or functional call issued it (additions and concatenations of
  cells, residual sums, squeeze-and-excitation products). A FLOP is not a FLOP on a CPU, so
  the counts are split by how fast the kernels behind them run: FLOPs of dense
  convolutions, of matrix multiplies, of depthwise / grouped convolutions (a few percent of
  the dense rate; kernels over 3 and dilated ones slower still, so they have fields of
  their own; on small maps a per-channel overhead dominates them, so their output channels
  count too), the elements convolutions read and write, the input positions whose gradient
  a convolution computes (nearly as slow for one channel as for sixteen), elements through
  norms and pools, all elements written (activations and sums move memory without FLOPs),
  the number of operations (each costs a roughly fixed dispatch and autograd overhead per
  step, whatever the batch), and the parameters and parameter tensors (the optimizer step).
  Results are cached, since a search asks for the same candidates and their neighbours
  again and again.
- ``CostModel``: coefficients fitted by ``netsynth.estimation.calibration.calibrate`` from a
  short timing run of a few probe networks on the user's data, for one device and one thread
  count. It is linear in the features: a training step costs a fixed part (operations,
  parameters) plus a per-sample part (FLOPs, elements), an evaluation batch likewise with
  its own coefficients; an epoch is ``train_samples // batch_size`` steps plus the
  evaluation of the validation split in batches of 1024, as ``train_loop`` runs it. Being
  linear, it is blind to caches: where a batch's activations are far larger than the
  caches (hundreds of megabytes, e.g. full-resolution 3x224x224 maps at batch 128) each
  element costs more than the probes, timed on smaller tensors, show.

>>> from netsynth.space.chain_genotype import ChainGenotype, Layer
>>> small = cost_features(ChainGenotype((Layer("conv", 8, 3),)), (1, 28, 28), 10)
>>> wide = cost_features(ChainGenotype((Layer("conv", 32, 3),)), (1, 28, 28), 10)
>>> wide.flops > small.flops > 0 and wide.activations > small.activations
True
"""

from __future__ import annotations

import dataclasses
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from netsynth.nn.build import build
from netsynth.space.genotype import Genotype

EVAL_BATCH = 1024  # train_loop.evaluate's batch size

# ATen ops that only read metadata: they are not dispatched as work.
_METADATA_OPS = frozenset(
    {
        "aten::size",
        "aten::sym_size",
        "aten::stride",
        "aten::sym_stride",
        "aten::numel",
        "aten::sym_numel",
        "aten::dim",
        "aten::is_contiguous",
        "aten::storage_offset",
        "aten::sym_storage_offset",
        "prim::layout",
        "prim::device",
    }
)


@dataclass(frozen=True)
class CostFeatures:
    """What one network costs: per sample (the float fields: counts of a training-mode
    forward pass divided by its batch) and per step (the integers). FLOPs count a
    multiply-add as 2, as ``netsynth.nn.count_flops`` does."""

    flops: float  # forward FLOPs of dense (groups == 1) convolutions
    matmul_flops: float  # forward FLOPs of matrix multiplies (linear layers)
    grouped_flops: float  # forward FLOPs of grouped and depthwise convolutions, not dilated
    large_grouped_flops: float  # the part of grouped_flops with kernels over 3 (no fast path)
    dilated_flops: float  # forward FLOPs of dilated grouped convolutions (slower still)
    grouped_outputs: float  # elements written by grouped and depthwise convolutions
    grouped_planes: float  # channels of grouped convolution outputs (per-channel overheads)
    conv_elements: float  # elements read and written by dense convolutions (memory traffic)
    conv_grad_positions: float  # input positions of dense convolutions that need its gradient
    norm_elements: float  # elements written by batch, group and layer norms
    pool_elements: float  # elements read by pools (their backward scatters into as many)
    activations: float  # tensor elements written by all forward ops (views excluded)
    input_elements: int  # elements of one input sample (the batch is gathered, copied)
    ops: int  # ATen operations in one forward pass (views included): per-step overhead
    params: int  # trainable parameters
    param_tensors: int  # parameter tensors (the optimizer's per-tensor overhead)

    @property
    def total_flops(self) -> float:
        return self.flops + self.matmul_flops + self.grouped_flops + self.dilated_flops

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostFeatures:
        """The inverse of ``to_dict``; a field missing (written before it existed) is 0."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            value = data.get(f.name, 0)
            values[f.name] = int(value) if f.type == "int" else float(value)
        return cls(**values)


class _Tally(TorchDispatchMode):
    """Counts every ATen op a forward pass dispatches: FLOPs, elements written, ops."""

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0.0
        self.matmul_flops = 0.0
        self.grouped_flops = 0.0
        self.large_grouped_flops = 0.0
        self.dilated_flops = 0.0
        self.grouped_outputs = 0
        self.grouped_planes = 0
        self.conv_elements = 0
        self.conv_grad_positions = 0
        self.norm_elements = 0
        self.pool_elements = 0
        self.elements = 0
        self.ops = 0
        # Tensors computed from parameters (by id, with a weak reference to tell a reused
        # id apart): training computes their gradients, the input's it does not.
        self._derived: dict[int, weakref.ref[torch.Tensor]] = {}

    def _needs_grad(self, tensor: Any) -> bool:
        if not isinstance(tensor, torch.Tensor):
            return False
        if tensor.requires_grad:
            return True
        ref = self._derived.get(id(tensor))
        return ref is not None and ref() is tensor

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        schema = func._schema
        out = _shape_rule(schema.overload_name, schema.name, args, kwargs)
        if out is None:
            out = func(*args, **kwargs)
        if schema.name in _METADATA_OPS:
            return out
        self.ops += 1
        inputs = tree_flatten((args, kwargs))[0]
        if any(self._needs_grad(t) for t in inputs):
            for tensor in tree_flatten(out)[0]:
                if isinstance(tensor, torch.Tensor):
                    self._derived[id(tensor)] = weakref.ref(tensor)
        name = schema.name
        if name in ("aten::convolution", "aten::_convolution"):
            self._convolution(args, out)
        elif name in ("aten::mm", "aten::bmm", "aten::addmm", "aten::baddbmm"):
            a, b = (args[0], args[1]) if name in ("aten::mm", "aten::bmm") else (args[1], args[2])
            self.matmul_flops += 2.0 * a.numel() * b.shape[-1]
        elif name in _NORMS:
            self.norm_elements += args[0].numel()
        elif "pool" in name:  # not global averages (aten::mean): a fast reduction
            self.pool_elements += args[0].numel()
        view = any(r.alias_info is not None and not r.alias_info.is_write for r in schema.returns)
        if not view:
            for tensor in tree_flatten(out)[0]:
                if isinstance(tensor, torch.Tensor):
                    self.elements += tensor.numel()
        return out

    def _convolution(self, args: tuple[Any, ...], out: torch.Tensor) -> None:
        weight = args[1]
        transposed = bool(args[6])
        groups = int(args[8])
        # Each output element takes (C_in / groups) * prod(kernel) multiply-adds; for a
        # transposed convolution each input element does, per output channel group.
        per_element = math.prod(weight.shape[1:])
        count = args[0].numel() * weight.shape[1] if transposed else out.numel() * per_element
        flops = 2.0 * count
        if groups > 1:
            if any(d > 1 for d in args[5]):
                self.dilated_flops += flops
            else:
                self.grouped_flops += flops
                if any(k > 3 for k in weight.shape[2:]):
                    self.large_grouped_flops += flops
            self.grouped_outputs += out.numel()
            self.grouped_planes += out.shape[0] * out.shape[1]
        else:
            self.flops += flops
            self.conv_elements += args[0].numel() + out.numel()
            if self._needs_grad(args[0]):
                # The gradient of the input: on a CPU its cost per position barely falls
                # with fewer channels, so it dominates convolutions of narrow inputs.
                self.conv_grad_positions += args[0].numel() // max(args[0].shape[1], 1)


# Elementwise ops whose result is shaped like their first argument. PyTorch's meta kernels
# of these run Python reference code (up to milliseconds per call: batch norm's is the
# slowest); a result of the right shape is all the tally needs, so it makes one directly.
_UNARY = frozenset(
    {
        "aten::relu",
        "aten::gelu",
        "aten::silu",
        "aten::elu",
        "aten::tanh",
        "aten::sigmoid",
        "aten::hardtanh",
        "aten::hardswish",
        "aten::hardsigmoid",
        "aten::leaky_relu",
        "aten::mish",
        "aten::clone",
    }
)
_BINARY = frozenset({"aten::add", "aten::sub", "aten::mul", "aten::div"})
_NORMS = frozenset(
    {
        "aten::native_batch_norm",
        "aten::_native_batch_norm_legit",
        "aten::_native_batch_norm_legit_no_training",
        "aten::native_group_norm",
        "aten::native_layer_norm",
    }
)
_BATCH_NORMS = frozenset(
    {
        "aten::native_batch_norm",
        "aten::_native_batch_norm_legit",
        "aten::_native_batch_norm_legit_no_training",
    }
)


def _shape_rule(
    overload: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any | None:
    """A meta result of the right shape for a common op, or None to run its meta kernel."""
    if overload not in ("", "default", "Tensor", "no_stats") or kwargs.get("out") is not None:
        return None
    x = args[0]
    if not isinstance(x, torch.Tensor):
        return None
    if name in _UNARY:
        return torch.empty_like(x)
    if name in _BINARY and overload == "Tensor":
        other = args[1]
        if isinstance(other, torch.Tensor):
            shape = torch.broadcast_shapes(x.shape, other.shape)
            if shape == x.shape:
                return torch.empty_like(x, dtype=torch.result_type(x, other))
            return x.new_empty(shape, dtype=torch.result_type(x, other))
        return None
    if name in _BATCH_NORMS:
        channels = x.shape[1] if x.ndim > 1 else x.shape[0]
        return torch.empty_like(x), x.new_empty((channels,)), x.new_empty((channels,))
    return None


_TRACE_BATCH = 2  # batch norm in training mode needs two samples
_CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, tuple[int, ...], int, float], CostFeatures] = OrderedDict()
_cache_lock = threading.Lock()


def cost_features(
    genotype: Genotype,
    input_shape: Sequence[int],
    num_classes: int,
    *,
    width_multiplier: float = 1.0,
) -> CostFeatures:
    """The ``CostFeatures`` of ``genotype`` built for ``input_shape`` and ``num_classes``.

    Builds on the meta device and traces one forward pass there: no real memory, no real
    compute, a few milliseconds. Cached (least recently used, keyed by the genotype's hash,
    the shape, the classes and the width), so asking again returns the same object. Raises
    ``GenotypeError`` as ``build`` does for a genotype the input cannot take."""
    shape = tuple(int(n) for n in input_shape)
    key = (genotype.hash(), shape, int(num_classes), float(width_multiplier))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    features = _trace(genotype, shape, num_classes, width_multiplier)
    with _cache_lock:
        features = _cache.setdefault(key, features)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return features


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _without_weights(genotype: Genotype) -> Genotype:
    """Pretrained weights change no cost and cannot load into meta tensors: drop them."""
    if dataclasses.is_dataclass(genotype) and getattr(genotype, "weights", None) is not None:
        stripped: Genotype = dataclasses.replace(genotype, weights=None)
        return stripped
    return genotype


def _trace(
    genotype: Genotype, shape: tuple[int, ...], num_classes: int, width_multiplier: float
) -> CostFeatures:
    with torch.device("meta"):
        model = build(
            _without_weights(genotype), shape, num_classes, width_multiplier=width_multiplier
        )
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    x = torch.empty(_TRACE_BATCH, *shape, device="meta")
    tally = _Tally()
    with torch.no_grad(), tally:
        model(x)
    return CostFeatures(
        flops=tally.flops / _TRACE_BATCH,
        matmul_flops=tally.matmul_flops / _TRACE_BATCH,
        grouped_flops=tally.grouped_flops / _TRACE_BATCH,
        large_grouped_flops=tally.large_grouped_flops / _TRACE_BATCH,
        dilated_flops=tally.dilated_flops / _TRACE_BATCH,
        grouped_outputs=tally.grouped_outputs / _TRACE_BATCH,
        grouped_planes=tally.grouped_planes / _TRACE_BATCH,
        conv_elements=tally.conv_elements / _TRACE_BATCH,
        conv_grad_positions=tally.conv_grad_positions / _TRACE_BATCH,
        norm_elements=tally.norm_elements / _TRACE_BATCH,
        pool_elements=tally.pool_elements / _TRACE_BATCH,
        activations=tally.elements / _TRACE_BATCH,
        input_elements=math.prod(shape),
        ops=tally.ops,
        params=sum(p.numel() for p in params),
        param_tensors=len(params),
    )


# -- the model ---------------------------------------------------------------------------------

# Terms of a step's time: per-step ones cost the same whatever the batch, per-sample ones are
# multiplied by the batch size. Each maps the features to the term's count.
STEP_TERMS: dict[str, Any] = {
    "step": lambda f: 1.0,  # loss, optimizer bookkeeping, the learning-rate schedule
    "ops": lambda f: float(f.ops),  # dispatch and autograd overhead of each operation
    "param_tensors": lambda f: float(f.param_tensors),  # the optimizer's per-tensor work
    "params": lambda f: float(f.params),  # the optimizer's per-parameter work
}
SAMPLE_TERMS: dict[str, Any] = {
    "sample": lambda f: 1.0,  # the loss and its gradient
    "inputs": lambda f: float(f.input_elements),  # gathering (and augmenting) the batch
    "flops": lambda f: f.flops,
    "matmul_flops": lambda f: f.matmul_flops,
    "grouped_flops": lambda f: f.grouped_flops,
    "large_grouped_flops": lambda f: f.large_grouped_flops,
    "dilated_flops": lambda f: f.dilated_flops,
    "grouped_outputs": lambda f: f.grouped_outputs,
    "grouped_planes": lambda f: f.grouped_planes,
    "conv_elements": lambda f: f.conv_elements,
    "conv_grad_positions": lambda f: f.conv_grad_positions,
    "norm_elements": lambda f: f.norm_elements,
    "pool_elements": lambda f: f.pool_elements,
    "activations": lambda f: f.activations,
}
TRAIN_TERMS = (*STEP_TERMS, *SAMPLE_TERMS)
# No backward pass, no optimizer.
EVAL_TERMS = ("step", "ops", *(t for t in SAMPLE_TERMS if t != "conv_grad_positions"))


def term_values(features: CostFeatures, batch: int, terms: Sequence[str]) -> list[float]:
    """The count of each of ``terms`` in one step (or evaluation batch) of ``batch`` samples:
    the time is their dot product with the coefficients."""
    values = []
    for name in terms:
        if name in STEP_TERMS:
            values.append(float(STEP_TERMS[name](features)))
        else:
            values.append(float(batch) * float(SAMPLE_TERMS[name](features)))
    return values


@dataclass(frozen=True)
class CostModel:
    """Seconds per training step, evaluation batch and epoch, for one device and one thread
    count (``calibrate`` fits it). ``train`` and ``eval`` map term names (``TRAIN_TERMS``,
    ``EVAL_TERMS``) to seconds per unit; a missing term costs nothing. ``augment``: seconds
    per sample of batched augmentation, paid when a trial augments."""

    train: Mapping[str, float]
    eval: Mapping[str, float]
    augment: float = 0.0
    device: str = "cpu"
    threads: int = 1
    batch_size: int = 128  # the batch size the probes were timed at
    calibration_seconds: float = 0.0  # wall time calibrate took
    probes: tuple[str, ...] = ()  # the probe networks timed
    fit_error: float = 0.0  # geometric-mean factor between fitted and timed probe steps
    extras: Mapping[str, Any] = field(default_factory=dict)  # diagnostics, plain JSON

    def step_seconds(
        self, features: CostFeatures, batch_size: int, *, augment: bool = False
    ) -> float:
        """One training step on a batch of ``batch_size``: forward, loss, backward, optimizer
        and schedule steps (and augmentation with ``augment``)."""
        seconds = _dot(self.train, features, batch_size)
        if augment:
            seconds += self.augment * batch_size
        return seconds

    def eval_seconds(self, features: CostFeatures, samples: int) -> float:
        """Evaluating ``samples`` samples in batches of ``EVAL_BATCH``, as ``evaluate`` does."""
        full, rest = divmod(max(int(samples), 0), EVAL_BATCH)
        seconds = full * _dot(self.eval, features, EVAL_BATCH)
        if rest:
            seconds += _dot(self.eval, features, rest)
        return seconds

    def epoch_seconds(
        self,
        features: CostFeatures,
        *,
        train_samples: int,
        val_samples: int,
        batch_size: int,
        augment: bool = False,
    ) -> float:
        """One epoch as ``train_loop.train`` runs it: ``train_samples // batch_size`` steps
        (the ragged last batch dropped, at least one step), then the validation pass."""
        if train_samples < 1:
            return self.eval_seconds(features, val_samples)
        batch = max(min(int(batch_size), int(train_samples)), 1)
        steps = max(int(train_samples) // batch, 1)
        train = steps * self.step_seconds(features, batch, augment=augment)
        return train + self.eval_seconds(features, val_samples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "train": dict(self.train),
            "eval": dict(self.eval),
            "augment": self.augment,
            "device": self.device,
            "threads": self.threads,
            "batch_size": self.batch_size,
            "calibration_seconds": self.calibration_seconds,
            "probes": list(self.probes),
            "fit_error": self.fit_error,
            "extras": dict(self.extras),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostModel:
        return cls(
            train={str(k): float(v) for k, v in data["train"].items()},
            eval={str(k): float(v) for k, v in data["eval"].items()},
            augment=float(data.get("augment", 0.0)),
            device=str(data.get("device", "cpu")),
            threads=int(data.get("threads", 1)),
            batch_size=int(data.get("batch_size", 128)),
            calibration_seconds=float(data.get("calibration_seconds", 0.0)),
            probes=tuple(str(p) for p in data.get("probes", ())),
            fit_error=float(data.get("fit_error", 0.0)),
            extras=dict(data.get("extras", {})),
        )


def _dot(coefficients: Mapping[str, float], features: CostFeatures, batch: int) -> float:
    names = [name for name in coefficients if name in STEP_TERMS or name in SAMPLE_TERMS]
    values = term_values(features, batch, names)
    return sum(coefficients[name] * value for name, value in zip(names, values, strict=True))
