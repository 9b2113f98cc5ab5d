"""The zoo space: flat and structured views agree, moves stay in the space, encodings have
one length, and a family the input cannot take is refused with a message saying what to do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from netsynth.space.genotype import GenotypeError
from netsynth.space.space_kinds import genotype_from_dict
from netsynth.space.zoo_genotype import ZooGenotype
from netsynth.space.zoo_space import ZooSpace, ZooSpaceConfig

SPACE = ZooSpace(ZooSpaceConfig(variants={"resnet": [8, 20], "mlp": ["1x64", "2x64"]}))


def test_decode_and_params_of_round_trip_over_samples() -> None:
    rng = np.random.default_rng(0)
    families = set()
    for _ in range(200):
        params = SPACE.flat().sample(rng)
        genotype, training = SPACE.decode(params)
        families.add(genotype.family)
        assert SPACE.params_of(genotype, training) == params
        assert genotype_from_dict(genotype.to_dict()) == genotype
    assert families == set(SPACE.config.families)


def test_flat_params_are_conditioned_on_the_family() -> None:
    params = SPACE.flat().sample(np.random.default_rng(3))
    family = params["family"]
    arch = {name.split(".")[0] for name in params if "." in name}
    assert arch == {family}


def test_mutate_and_neighbours_stay_in_the_space() -> None:
    rng = np.random.default_rng(1)
    genotype = SPACE.sample(rng)
    training = SPACE.decode(SPACE.flat().sample(rng))[1]
    for _ in range(100):
        genotype = SPACE.mutate(genotype, rng)
        SPACE.params_of(genotype, training)  # raises if outside the space
    neighbours = SPACE.neighbours(ZooGenotype("resnet", "8", 0.5, 1.0, se=False))
    assert {n.family for n in neighbours} == set(SPACE.config.families)  # type: ignore[attr-defined]
    assert ZooGenotype("resnet", "20", 0.5, 1.0) in neighbours
    assert ZooGenotype("resnet", "8", 0.5, 1.0, se=True) in neighbours


def test_encoding_has_a_fixed_length() -> None:
    rng = np.random.default_rng(2)
    lengths = {len(SPACE.encode(SPACE.sample(rng))) for _ in range(50)}
    assert len(lengths) == 1


def test_canonical_folds_the_depth_multiplier_into_a_block_count() -> None:
    shallow = ZooGenotype("resnet", "14", depth_multiplier=0.5)
    assert SPACE.canonical(shallow) == ZooGenotype("resnet", "8")
    assert shallow.hash() == ZooGenotype("resnet", "8").hash()
    assert ZooGenotype("vgg", "11", depth_multiplier=0.5).hash() != ZooGenotype("vgg", "11").hash()


def test_check_input_refuses_a_conv_family_on_tabular_data() -> None:
    with pytest.raises(GenotypeError, match=r"'resnet' takes sequences.*tabular.*families that"):
        SPACE.check_input((13,))
    SPACE.check_input((1, 40))
    ZooSpace(ZooSpaceConfig(families=["mlp"])).check_input((13,))
    with pytest.raises(GenotypeError, match="vgg"):
        SPACE.repair(ZooGenotype("vgg", "11"), (13,))


def test_graph_lists_stem_stages_and_head() -> None:
    labels = [n["label"] for n in SPACE.graph(ZooGenotype("wideresnet", "16-4"))["nodes"]]
    assert labels[1] == "stem conv3, 16 ch"
    assert labels[2:5] == [
        "stage 1: 2 x wide block, 64 ch",
        "stage 2: 2 x wide block, 128 ch, /2",
        "stage 3: 2 x wide block, 256 ch, /2",
    ]
    assert labels[-1] == "linear"


def test_bad_configs_name_the_field() -> None:
    with pytest.raises(ValidationError, match="resnet variant '9'"):
        ZooSpaceConfig(variants={"resnet": ["9"]})
    with pytest.raises(ValidationError, match="weights: vgg not in families"):
        ZooSpaceConfig(families=["mlp"], weights={"vgg": "vgg.safetensors"})
    with pytest.raises(GenotypeError, match="se applies to resnet only"):
        ZooGenotype("vgg", "11", se=True)


def test_weights_paths_are_resolved_against_the_spec_folder(tmp_path: Path) -> None:
    config = ZooSpaceConfig.model_validate(
        {"weights": {"resnet": "w/resnet.safetensors"}}, context={"base_dir": tmp_path}
    )
    assert config.weights["resnet"] == str(tmp_path / "w" / "resnet.safetensors")
    space, rng = ZooSpace(config), np.random.default_rng(0)
    genotypes = [space.sample(rng) for _ in range(60)]
    assert any(g.family == "resnet" for g in genotypes)
    for genotype in genotypes:
        expected = config.weights["resnet"] if genotype.family == "resnet" else None
        assert genotype.weights == expected
