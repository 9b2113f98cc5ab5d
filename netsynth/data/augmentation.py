"""Batched data augmentation on the training device: one call per batch, no per-sample loop.

Random numbers come from ``generator`` (on the CPU or on x's device), so a seeded generator
gives the same augmented batch every time.

>>> import torch
>>> x = torch.ones(2, 1, 8, 8)
>>> out = augment(x, "image", 1.0, torch.Generator().manual_seed(0))
>>> out.shape, bool((out == 0).any())  # shifted in zero padding and cut out a square
(torch.Size([2, 1, 8, 8]), True)
>>> augment(x, "image", 0.0, torch.Generator()) is x
True
"""

from __future__ import annotations

import torch

KINDS = ("image", "sequence", "tabular")


def augment(
    x: torch.Tensor, kind: str, strength: float, generator: torch.Generator, *, flip: bool = False
) -> torch.Tensor:
    """Batched, on x's device, no per-sample Python loop. strength in [0, 1]; 0 returns x
    unchanged.

    image (N,C,H,W): random translation (pad then crop, up to about strength*H/8 pixels),
    optional horizontal flip, cutout (one square per sample of side about strength*H/2, zeroed).
    sequence (N,C,L): random shift up to about strength*L/8 positions (zero fill, not
    wrap-around), plus gaussian noise of std 0.1*strength.
    tabular (N,F): gaussian noise of std 0.05*strength.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"augmentation strength must be in [0, 1], got {strength!r}")
    expected_ndim = {"image": 4, "sequence": 3, "tabular": 2}[kind]
    if x.ndim != expected_ndim:
        raise ValueError(f"{kind} batches need {expected_ndim} dims, got shape {tuple(x.shape)}")
    if (strength == 0.0 and not (flip and kind == "image")) or x.shape[0] == 0:
        return x
    if kind == "image":
        height, width = x.shape[2], x.shape[3]
        x = _translate(x, round(strength * height / 8), round(strength * width / 8), generator)
        if flip:
            x = _random_flip(x, generator)
        return _cutout(x, round(strength * min(height, width) / 2), generator)
    if kind == "sequence":
        x = _shift(x, round(strength * x.shape[2] / 8), generator)
        return x + 0.1 * strength * _normal(x, generator)
    return x + 0.05 * strength * _normal(x, generator)


def _randint(
    low: int, high: int, n: int, generator: torch.Generator, x: torch.Tensor
) -> torch.Tensor:
    """n integers in [low, high], drawn on the generator's device and moved to x's."""
    draw = torch.randint(low, high + 1, (n,), generator=generator, device=generator.device)
    return draw.to(x.device)


def _normal(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    noise = torch.randn(x.shape, generator=generator, device=generator.device)
    return noise.to(device=x.device, dtype=x.dtype)


def _shifted_index(
    size: int, shift: torch.Tensor, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each sample, where output position i reads from (i - shift) and whether that lies
    inside [0, size): shapes (N, size)."""
    source = torch.arange(size, device=x.device)[None, :] - shift[:, None]
    inside = (source >= 0) & (source < size)
    return source.clamp(0, size - 1), inside


def _translate(
    x: torch.Tensor, max_dy: int, max_dx: int, generator: torch.Generator
) -> torch.Tensor:
    """Shift each image by up to (max_dy, max_dx) pixels with zero fill: the same as padding
    with zeros and cropping at a random offset, without building the padded batch."""
    if max_dy == 0 and max_dx == 0:
        return x
    n, c, h, w = x.shape
    rows, rows_inside = _shifted_index(h, _randint(-max_dy, max_dy, n, generator, x), x)
    cols, cols_inside = _shifted_index(w, _randint(-max_dx, max_dx, n, generator, x), x)
    rows_index = rows[:, None, :, None].expand(n, c, h, w)
    out = x.gather(2, rows_index)  # (N, C, H, W), rows moved
    out = out.gather(3, cols[:, None, None, :].expand(n, c, h, w))  # columns moved
    inside = rows_inside[:, :, None] & cols_inside[:, None, :]  # (N, H, W)
    return out.masked_fill(~inside[:, None], 0)


def _random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror each image left-right with probability 1/2."""
    chosen = _randint(0, 1, x.shape[0], generator, x).bool()
    return torch.where(chosen[:, None, None, None], x.flip(-1), x)


def _cutout(x: torch.Tensor, side: int, generator: torch.Generator) -> torch.Tensor:
    """Zero one side x side square per image, placed uniformly inside the image."""
    n, _, h, w = x.shape
    side = min(side, h, w)
    if side == 0:
        return x
    top = _randint(0, h - side, n, generator, x)
    left = _randint(0, w - side, n, generator, x)
    rows = torch.arange(h, device=x.device)[None, :] - top[:, None]  # (N, H)
    cols = torch.arange(w, device=x.device)[None, :] - left[:, None]  # (N, W)
    square = ((rows >= 0) & (rows < side))[:, :, None] & ((cols >= 0) & (cols < side))[:, None, :]
    return x.masked_fill(square[:, None], 0)


def _shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each sequence by up to max_shift positions either way, filling with zeros."""
    if max_shift == 0:
        return x
    n, c, length = x.shape
    source, inside = _shifted_index(length, _randint(-max_shift, max_shift, n, generator, x), x)
    out = x.gather(2, source[:, None, :].expand(n, c, length))
    return out.masked_fill(~inside[:, None, :], 0)
