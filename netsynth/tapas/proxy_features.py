"""Zero-cost proxy scores as extra TAP inputs (``TAPConfig.proxies``).

Only the data-free proxies qualify: an LDE record keeps its architecture and input shape but
not its data, so a proxy that needs a minibatch (naswot, snip, grad_norm) could not be scored
for the records of other datasets the TAP learns from. ``synflow`` (an all-ones input) and
``params`` can, for every record and candidate alike. Each score is squashed to about [0, 1]
and memoized per (architecture, input shape, classes).

>>> features = proxy_features({"space": "chain", "layers": []}, (1, 40), 10, ("params",))
>>> [round(v, 2) for v in features]  # log10(20 parameters + 1) / 6
[0.22]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from netsynth.space.genotype import Genotype

DATA_FREE_PROXIES = ("synflow", "params")
_SCALE = {"synflow": 1 / 10.0, "params": 1 / 6.0}  # of log(synflow), log10(params)


def check_proxies(proxies: Sequence[str]) -> tuple[str, ...]:
    unknown = [p for p in proxies if p not in DATA_FREE_PROXIES]
    if unknown:
        raise ValueError(
            f"TAP proxy features must be data-free, one of {', '.join(DATA_FREE_PROXIES)}; "
            f"got {unknown!r} (an LDE record keeps no data to score naswot, snip or grad_norm on)"
        )
    return tuple(proxies)


def proxy_features(
    genotype: Genotype | dict[str, Any],
    input_shape: Sequence[int],
    num_classes: int,
    proxies: Sequence[str],
) -> list[float]:
    if not proxies:
        return []
    data = genotype if isinstance(genotype, dict) else genotype.to_dict()
    key = json.dumps(data, sort_keys=True)
    return [_score(key, tuple(input_shape), num_classes, p) for p in proxies]


@lru_cache(maxsize=65536)
def _score(key: str, input_shape: tuple[int, ...], num_classes: int, proxy: str) -> float:
    import torch

    from netsynth.nn.build import build
    from netsynth.space.space_kinds import genotype_from_dict
    from netsynth.tapas.zero_cost import PROXIES

    torch.manual_seed(0)
    model = build(genotype_from_dict(json.loads(key)), input_shape, num_classes)
    x = torch.ones((2, *input_shape))  # synflow reads only the shape; params nothing
    value = PROXIES[proxy](model, x, torch.zeros(2, dtype=torch.int64))
    if proxy == "params":
        value = math.log10(value + 1.0)
    return value * _SCALE[proxy] if math.isfinite(value) else 0.0
