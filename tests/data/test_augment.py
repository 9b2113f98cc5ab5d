"""augment: batched, seeded, shape/dtype/device preserving, and each transform really acts."""

from __future__ import annotations

import itertools

import pytest
import torch

from netsynth.data import augment

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
SHAPES = {"image": (6, 3, 16, 16), "sequence": (6, 2, 40), "tabular": (6, 5)}


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_shape_dtype_device_preserved(kind: str, device: str) -> None:
    for dtype in (torch.float32, torch.bfloat16):
        x = torch.rand(SHAPES[kind], generator=gen(1)).to(device=device, dtype=dtype)
        out = augment(x, kind, 0.7, gen(), flip=True)
        assert (out.shape, out.dtype, out.device) == (x.shape, x.dtype, x.device)
        assert not torch.equal(out, x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_generator_on_the_device() -> None:
    x = torch.rand(SHAPES["image"], device="cuda")
    a = augment(x, "image", 1.0, torch.Generator("cuda").manual_seed(3), flip=True)
    b = augment(x, "image", 1.0, torch.Generator("cuda").manual_seed(3), flip=True)
    assert a.device == x.device and torch.equal(a, b)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_strength_zero_is_identity(kind: str) -> None:
    x = torch.rand(SHAPES[kind], generator=gen(1))
    out = augment(x, kind, 0.0, gen())
    assert torch.equal(out, x)


def test_flips_alone_only_mirror_images() -> None:
    x = torch.rand(SHAPES["image"], generator=gen(1))
    out = augment(x, "image", 0.0, gen(), flip=True)
    mirrored = [torch.equal(o, s.flip(-1)) for o, s in zip(out, x, strict=True)]
    assert all(m or torch.equal(o, s) for m, o, s in zip(mirrored, out, x, strict=True))
    assert any(mirrored) and not all(mirrored)
    sequences = torch.rand(SHAPES["sequence"], generator=gen(1))
    assert torch.equal(augment(sequences, "sequence", 0.0, gen(), flip=True), sequences)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_same_seed_same_output(kind: str) -> None:
    x = torch.rand(SHAPES[kind], generator=gen(1))
    a = augment(x, kind, 0.5, gen(42), flip=True)
    b = augment(x, kind, 0.5, gen(42), flip=True)
    c = augment(x, kind, 0.5, gen(43), flip=True)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def shift_last(x: torch.Tensor, s: int) -> torch.Tensor:
    """x moved by s positions along the last axis, zero filled."""
    out = torch.zeros_like(x)
    n = x.shape[-1]
    if s >= 0:
        out[..., s:] = x[..., : n - s]
    else:
        out[..., :s] = x[..., -s:]
    return out


def test_sequence_shift_moves_content_and_fills_zeros() -> None:
    n, length = 64, 40
    x = torch.arange(1.0, length + 1).repeat(n, 1, 1)  # (N, 1, L), every value >= 1
    out = augment(x, "sequence", 1.0, gen(5))  # shifts up to 5, noise std 0.1
    shifts = []
    for i in range(n):
        errors = {s: float((out[i] - shift_last(x[i], s)).abs().max()) for s in range(-5, 6)}
        best = min(errors, key=errors.__getitem__)
        assert errors[best] < 0.6  # the shifted sequence plus small noise, zeros where it left
        shifts.append(best)
        filled = out[i, 0, :best] if best > 0 else out[i, 0, length + best :]
        assert bool((filled.abs() < 0.6).all())  # zeros, not wrapped-around values
    assert min(shifts) < 0 < max(shifts)


def test_sequence_noise_without_shift_room() -> None:
    x = torch.zeros(2000, 1, 4)  # too short to shift at strength 0.5
    out = augment(x, "sequence", 0.5, gen())
    assert float(out.std()) == pytest.approx(0.05, rel=0.05)


def test_tabular_noise_scale() -> None:
    x = torch.zeros(4000, 8)
    assert float(augment(x, "tabular", 1.0, gen()).std()) == pytest.approx(0.05, rel=0.05)
    assert float(augment(x, "tabular", 0.4, gen()).std()) == pytest.approx(0.02, rel=0.05)


def test_cutout_zeroes_a_square() -> None:
    x = torch.ones(16, 1, 32, 32)
    out = augment(x, "image", 1.0, gen(2))  # square side 16; translation only up to 4 pixels
    zero = (out == 0).float()
    # an all-zero 16 x 16 window per image: only cutout makes one (translation fills strips)
    window_sums = torch.nn.functional.avg_pool2d(zero, 16, stride=1)
    assert bool((window_sums.flatten(1).max(1).values == 1.0).all())
    assert bool(((zero.sum((1, 2, 3)) >= 256) & (zero.sum((1, 2, 3)) < 1024)).all())


def test_translation_and_flip() -> None:
    """Every output is the input shifted by at most strength*H/8 (and maybe mirrored), apart
    from the zeroed cutout square; both directions and both flips occur."""
    x = torch.rand(32, 2, 16, 16, generator=gen(9)) + 0.5  # no zeros of its own
    seen = set()
    for flip in (False, True):
        out = augment(x, "image", 1.0, gen(3), flip=flip)
        for i in range(len(x)):
            found = None
            for mirrored, dy, dx in itertools.product((False, True), range(-2, 3), range(-2, 3)):
                source = x[i].flip(-1) if mirrored else x[i]
                moved = shift_last(shift_last(source, dx).transpose(1, 2), dy).transpose(1, 2)
                kept = out[i] != 0
                if torch.equal(out[i][kept], moved[kept]) and bool((moved[~kept] != 0).any()):
                    found = (mirrored, dy, dx)
                    break
            assert found is not None, f"sample {i} is not a shifted copy of its input"
            assert flip or not found[0]
            seen.add(found)
    assert {m for m, _, _ in seen} == {False, True}
    assert {dy for _, dy, _ in seen} >= {-2, 2} and {dx for _, _, dx in seen} >= {-2, 2}


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"strength must be in \[0, 1\], got 1.5"):
        augment(torch.zeros(2, 3), "tabular", 1.5, gen())
    with pytest.raises(ValueError, match=r"unknown kind 'audio'"):
        augment(torch.zeros(2, 3), "audio", 0.5, gen())
    with pytest.raises(ValueError, match=r"image batches need 4 dims, got shape \(2, 3\)"):
        augment(torch.zeros(2, 3), "image", 0.5, gen())
