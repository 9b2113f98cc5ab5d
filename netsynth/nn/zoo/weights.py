"""Start a zoo candidate from a local weights file (pretrained weights cannot be downloaded
at run time). The file is safetensors — loading never unpickles anything — holding a state
dict with the names of the built network (an exported ``model.safetensors`` works as is)."""

from __future__ import annotations

import logging
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from netsynth.space.genotype import GenotypeError

log = logging.getLogger(__name__)


def load_matching_weights(model: nn.Module, path: str, family: str) -> list[str]:
    """Copy the tensors of ``path`` whose name and shape match ``model``'s into it; the others
    (e.g. a classifier head for another number of classes) are skipped and returned."""
    if not Path(path).is_file():
        raise GenotypeError(f"weights file for the zoo family {family!r} not found: {path}")
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as exc:
        raise GenotypeError(
            f"weights file for the zoo family {family!r} is not a readable safetensors file "
            f"({path}): {exc}"
        ) from None
    own = model.state_dict()
    matching = {k: v for k, v in tensors.items() if k in own and own[k].shape == v.shape}
    if not matching:
        raise GenotypeError(
            f"no tensor of the weights file {path} matches the {family} network by name and "
            f"shape; was it saved from this family and variant?"
        )
    model.load_state_dict(matching, strict=False)
    skipped = sorted(set(tensors) - set(matching))
    log.info(
        "%s: loaded %d tensors from %s%s",
        family,
        len(matching),
        path,
        f"; skipped (no match by name and shape): {', '.join(skipped)}" if skipped else "",
    )
    return skipped
