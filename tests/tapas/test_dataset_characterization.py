from __future__ import annotations

from netsynth.tapas.dataset_characterization import characterize, dcn_of
from netsynth.tapas.synthetic import make_synthetic


def test_dcn_is_deterministic_given_a_seed() -> None:
    data = make_synthetic(noise=1.0, samples=600)
    assert characterize(data, seed=3).dcn == characterize(data, seed=3).dcn


def test_dcn_orders_planted_easy_and_hard_datasets() -> None:
    dcns = [
        characterize(make_synthetic(noise=noise, shift=shift, samples=600)).dcn
        for noise, shift in ((0.1, 0), (1.0, 4), (4.0, 12))
    ]
    assert 0.0 <= dcns[0] < dcns[1] < dcns[2] <= 1.0
    assert dcns[0] < 0.1 and dcns[2] > 0.5


def test_dcn_of_maps_chance_to_one_and_perfect_to_zero() -> None:
    assert dcn_of(0.1, 10) == 1.0
    assert dcn_of(0.05, 10) == 1.0
    assert dcn_of(1.0, 10) == 0.0
    assert abs(dcn_of(0.55, 10) - 0.5) < 1e-9
