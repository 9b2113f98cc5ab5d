"""Weight inheritance by network morphisms (Elsken et al. 2017/2019; Chen et al.'s Net2Net).

A child proposed by mutating a trained parent starts from the parent's weights instead of from
scratch. For chain genotypes the one edit a mutation made is located (a changed layer, an
inserted one, a removed one) and handled as a morphism where that preserves the function:

* **wider** (a conv or dense layer with more units): Net2WiderNet: the new units copy randomly
  chosen old ones, and the next layer's incoming weights of each copied unit are divided among
  its copies, so the child computes what the parent did;
* **deeper** (an inserted conv or dense layer as wide as its input): identity-initialized (a
  Dirac kernel or an identity matrix); with a ReLU after a ReLU-activated input and no norm it
  is exactly the identity;
* **larger kernel** (conv or separable conv): the old kernel sits at the centre of the new
  one, zeros around it, which with "same" padding computes the same; a smaller kernel keeps
  the old one's centre (not a morphism);
* every other layer the edit left alone keeps its weights; a layer whose shapes changed
  otherwise (a new op or a narrower width) starts fresh.

For DAG genotypes, an **added skip** (one more input on a summing node) keeps every weight and
gives the new input's 1x1 projection zero weights, so it adds nothing until trained (a skip
that needs no projection is inherited but changes the function). For other changes, and for
cells, every tensor whose name and shape agree is copied, which is a morphism only when the
architecture is unchanged. What was inherited is returned as plain data
for the trial's ``attrs["inherited"]``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch
from torch import nn

from netsynth.space.chain_genotype import ChainGenotype, Layer
from netsynth.space.dag_genotype import DagGenotype
from netsynth.space.genotype import Genotype

_WEIGHTED = ("conv", "dense")


def inherit(
    child: nn.Module,
    child_genotype: Genotype,
    parent_state: dict[str, torch.Tensor],
    parent_genotype: Genotype,
    seed: int = 0,
) -> dict[str, Any]:
    """Load what ``child`` can take from ``parent_state``; returns what was inherited."""
    if isinstance(child_genotype, ChainGenotype) and isinstance(parent_genotype, ChainGenotype):
        morphism, preserving, state = _chain_morphism(
            child, child_genotype, parent_state, parent_genotype, seed
        )
    elif (
        isinstance(child_genotype, DagGenotype)
        and isinstance(parent_genotype, DagGenotype)
        and (added := _added_skip(child_genotype, parent_genotype)) is not None
    ):
        morphism, preserving, state = _skip_morphism(child, parent_state, *added)
    else:
        state = dict(parent_state)
        morphism = "same architecture" if child_genotype == parent_genotype else "shared tensors"
        preserving = child_genotype == parent_genotype
    own = child.state_dict()
    copied = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    own.update(copied)
    child.load_state_dict(own)
    weights = [k for k in own if not k.endswith("num_batches_tracked")]
    return {
        "morphism": morphism,
        "function_preserving": preserving and len(copied) >= len(weights),
        "tensors_inherited": sum(1 for k in copied if k in weights),
        "tensors": len(weights),
    }


# -- chain genotypes ---------------------------------------------------------------------------


def _module_names(genotype: ChainGenotype) -> list[str]:
    """Per layer, its module's prefix in a ChainNet's state dict."""
    names, spatial, dense = [], 0, 0
    for layer in genotype.layers:
        if layer.is_spatial:
            names.append(f"features.{spatial}")
            spatial += 1
        else:
            names.append(f"classifier.{dense}")
            dense += 1
    return names


def _head_name(genotype: ChainGenotype) -> str:
    return f"classifier.{sum(1 for layer in genotype.layers if not layer.is_spatial)}"


def _renamed(state: dict[str, torch.Tensor], old: str, new: str) -> dict[str, torch.Tensor]:
    prefix = old + "."
    return {new + "." + k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def _chain_morphism(
    child: nn.Module,
    child_g: ChainGenotype,
    parent_state: dict[str, torch.Tensor],
    parent_g: ChainGenotype,
    seed: int,
) -> tuple[str, bool, dict[str, torch.Tensor]]:
    """The parent's tensors renamed to the child's modules, the edit applied as a morphism."""
    a, b = list(parent_g.layers), list(child_g.layers)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    parent_names, child_names = _module_names(parent_g), _module_names(child_g)
    state: dict[str, torch.Tensor] = {}
    for i in range(prefix):  # untouched layers before the edit
        state.update(_renamed(parent_state, parent_names[i], child_names[i]))
    for k in range(1, suffix + 1):  # and after it
        state.update(_renamed(parent_state, parent_names[-k], child_names[-k]))
    state.update(_renamed(parent_state, _head_name(parent_g), _head_name(child_g)))
    changed_a, changed_b = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    if not changed_a and not changed_b:
        same = parent_g.global_pool == child_g.global_pool
        return ("same layers" if same else "global pooling changed"), same, state
    if len(changed_a) == 1 and len(changed_b) == 1:
        old, new = changed_a[0], changed_b[0]
        if new.op in _WEIGHTED and replace(old, width=new.width) == new and new.width > old.width:
            return _widen(child, child_g, parent_state, parent_g, prefix, state, seed)
        if new.op in ("conv", "sepconv") and replace(old, kernel=new.kernel) == new:
            names = (parent_names[prefix], child_names[prefix])
            return _rekernel(parent_state, names, prefix, old, new, state)
        own = _renamed(parent_state, parent_names[prefix], child_names[prefix])
        state.update(own)  # kept where the shapes still agree (activation, dropout, ...)
        return f"layer {prefix} changed ({_describe(old)} -> {_describe(new)})", False, state
    if not changed_a and len(changed_b) == 1:
        return _deepen(child, child_g, prefix, state)
    if len(changed_a) == 1 and not changed_b:
        return f"layer {prefix} removed ({_describe(changed_a[0])})", False, state
    return "several layers changed", False, state


def _describe(layer: Layer) -> str:
    text = f"{layer.op}{layer.width or ''}" + (f"k{layer.kernel}" if layer.kernel else "")
    if layer.op in _WEIGHTED or layer.op == "sepconv":
        text += (f"-{layer.norm}" if layer.norm != "none" else "") + f"-{layer.activation}"
    return text


def _consumer(genotype: ChainGenotype, index: int) -> str:
    """The module (prefix) that next reads layer ``index``'s output channels."""
    names = _module_names(genotype)
    for j in range(index + 1, len(genotype.layers)):
        if genotype.layers[j].op in ("conv", "sepconv", "dense"):
            return names[j]
    return _head_name(genotype)


def _widen(
    child: nn.Module,
    child_g: ChainGenotype,
    parent_state: dict[str, torch.Tensor],
    parent_g: ChainGenotype,
    index: int,
    state: dict[str, torch.Tensor],
    seed: int,
) -> tuple[str, bool, dict[str, torch.Tensor]]:
    """Net2WiderNet on layer ``index`` and the layer reading it."""
    old_w, new_w = parent_g.layers[index].width, child_g.layers[index].width
    generator = torch.Generator().manual_seed(seed)
    extra = torch.randint(0, old_w, (new_w - old_w,), generator=generator)
    mapping = torch.cat([torch.arange(old_w), extra])
    counts = torch.bincount(mapping, minlength=old_w).to(torch.float32)
    parent_name = _module_names(parent_g)[index]
    child_name = _module_names(child_g)[index]
    for key, value in _renamed(parent_state, parent_name, child_name).items():
        # Every per-unit tensor of the layer (weights, bias, norm affine and running stats).
        state[key] = value[mapping] if value.dim() >= 1 and value.shape[0] == old_w else value
    reader_parent = _consumer(parent_g, index)
    reader_child = _consumer(child_g, index)
    layer = child_g.layers[index]
    consumer_is_sepconv = any(
        child_g.layers[j].op == "sepconv" and _module_names(child_g)[j] == reader_child
        for j in range(len(child_g.layers))
    )
    own = child.state_dict()
    for key, value in _renamed(parent_state, reader_parent, reader_child).items():
        if key not in own or value.dim() < 2 or value.shape[1] != old_w:
            continue
        if own[key].shape[1] != new_w:
            continue
        scale = counts[mapping].view(1, -1, *([1] * (value.dim() - 2)))
        state[key] = value[:, mapping] / scale
    preserving = layer.norm != "layer" and not consumer_is_sepconv
    return f"wider layer {index} ({old_w} -> {new_w} units)", preserving, state


def _rekernel(
    parent_state: dict[str, torch.Tensor],
    names: tuple[str, str],
    index: int,
    old: Layer,
    new: Layer,
    state: dict[str, torch.Tensor],
) -> tuple[str, bool, dict[str, torch.Tensor]]:
    """A larger kernel holds the old one at its centre, zeros around it ("same" padding keeps
    the function when both kernels are odd); a smaller one keeps the old kernel's centre."""
    parent_name, child_name = names
    state.update(_renamed(parent_state, parent_name, child_name))
    key = f"{child_name}.0.weight"  # the spatial kernel (a sepconv's depthwise part)
    weight = state[key]
    size = new.kernel
    spatial = weight.shape[2:]
    out = torch.zeros(*weight.shape[:2], *([size] * len(spatial)), dtype=weight.dtype)
    slices_out, slices_in = [], []
    for length in spatial:
        keep = min(length, size)
        slices_out.append(slice((size - keep) // 2, (size - keep) // 2 + keep))
        slices_in.append(slice((length - keep) // 2, (length - keep) // 2 + keep))
    out[(slice(None), slice(None), *slices_out)] = weight[(slice(None), slice(None), *slices_in)]
    state[key] = out
    preserving = new.kernel > old.kernel and old.kernel % 2 == 1 and new.kernel % 2 == 1
    how = "larger" if new.kernel > old.kernel else "smaller"
    return f"{how} kernel in layer {index} ({old.kernel} -> {new.kernel})", preserving, state


def _deepen(
    child: nn.Module, child_g: ChainGenotype, index: int, state: dict[str, torch.Tensor]
) -> tuple[str, bool, dict[str, torch.Tensor]]:
    """An inserted layer: identity-initialized where it is as wide as its input."""
    layer = child_g.layers[index]
    name = _module_names(child_g)[index]
    own = child.state_dict()
    weight = own.get(f"{name}.0.weight")
    if layer.op not in _WEIGHTED or weight is None or weight.shape[0] != weight.shape[1]:
        return f"layer {index} inserted ({_describe(layer)})", False, state
    if layer.op == "dense":
        state[f"{name}.0.weight"] = torch.eye(weight.shape[0])
    else:
        identity = torch.zeros_like(weight)
        nn.init.dirac_(identity)
        state[f"{name}.0.weight"] = identity
    if f"{name}.0.bias" in own:
        state[f"{name}.0.bias"] = torch.zeros_like(own[f"{name}.0.bias"])
    before = child_g.layers[index - 1] if index > 0 else None
    relu_input = before is not None and before.op in (*_WEIGHTED, "sepconv")
    relu_input = relu_input and before is not None and before.activation == "relu"
    odd_kernel = layer.op == "dense" or layer.kernel % 2 == 1
    preserving = layer.norm == "none" and layer.activation == "relu" and relu_input and odd_kernel
    return f"deeper: identity layer {index} ({_describe(layer)})", preserving, state


# -- DAG genotypes -----------------------------------------------------------------------------


def _added_skip(
    child_g: DagGenotype, parent_g: DagGenotype
) -> tuple[int, tuple[int, ...], tuple[int, ...]] | None:
    """(cell index, parent inputs, child inputs) when the child is the parent with one more
    input on one summing node; None for any other change."""
    child, parent = child_g.canonical(), parent_g.canonical()
    if (child.stem_width, child.global_pool) != (parent.stem_width, parent.global_pool):
        return None
    if len(child.nodes) != len(parent.nodes):
        return None
    changed = [i for i, (a, b) in enumerate(zip(parent.nodes, child.nodes, strict=True)) if a != b]
    if len(changed) != 1:
        return None
    old, new = parent.nodes[changed[0]], child.nodes[changed[0]]
    added = set(new.inputs) - set(old.inputs)
    if new.merge != "sum" or replace(new, inputs=old.inputs) != old or len(added) != 1:
        return None
    if not set(old.inputs) <= set(new.inputs):
        return None
    return changed[0], old.inputs, new.inputs


def _skip_morphism(
    child: nn.Module,
    parent_state: dict[str, torch.Tensor],
    cell: int,
    old_inputs: tuple[int, ...],
    new_inputs: tuple[int, ...],
) -> tuple[str, bool, dict[str, torch.Tensor]]:
    """An added input (a skip) on a summing node: the other inputs keep their adapters; the new
    one's 1x1 projection starts at zero, so it adds nothing until trained."""
    prefix = f"cells.{cell}.adapters."
    state = {k: v for k, v in parent_state.items() if not k.startswith(prefix)}
    for k, node in enumerate(old_inputs):  # adapters are numbered by input position
        renamed = _renamed(parent_state, f"{prefix}{k}", f"{prefix}{new_inputs.index(node)}")
        state.update(renamed)
    (source,) = set(new_inputs) - set(old_inputs)
    position = new_inputs.index(source)
    own = child.state_dict()
    projection = [k for k in own if k.startswith(f"{prefix}{position}.") and k.endswith("weight")]
    for key in projection:
        state[key] = torch.zeros_like(own[key])
    # The sum keeps its width (the new input is projected to it), else every input changed.
    same_width = all(
        own[k].shape == v.shape for k, v in state.items() if k.startswith(f"cells.{cell}.op.")
    )
    preserving = bool(projection) and same_width
    kind = "zero-initialized projection" if projection else "identity, changes the function"
    return f"added skip {source} -> node {cell + 1} ({kind})", preserving, state
