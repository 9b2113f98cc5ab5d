"""``netsynth tapas characterize DATASET`` and ``netsynth tapas predict SPEC_OR_GENOTYPE
--dataset D``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from netsynth.tapas.lde import DEFAULT_TAU

MIN_RECORDS = 100  # as netsynth.tapas.tapas_estimator (not imported: it pulls in torch)

EXIT_OK, EXIT_USAGE = 0, 2


def add_tapas_commands(commands: Any) -> None:
    """Register both tools on the subparsers of the CLI's ``tapas`` group."""
    characterize = commands.add_parser(
        "characterize", help="a dataset's DCN (TAPAS) and the nearest datasets in the LDE"
    )
    characterize.add_argument("dataset", help="a built-in name or a path to your data")
    _common(characterize)
    characterize.set_defaults(handler=cmd_characterize)

    predict = commands.add_parser(
        "predict",
        help="rank networks on a dataset without training them (TAP scores, not accuracies)",
    )
    predict.add_argument(
        "network", help="a chain genotype (JSON file or JSON text) or a spec (samples its space)"
    )
    predict.add_argument("--dataset", help="dataset name or path (default: the spec's)")
    predict.add_argument("--samples", type=int, default=10, help="candidates drawn from a spec")
    predict.add_argument(
        "--fit-epochs",
        type=int,
        default=40,
        help="passes of the TAP's fit over its records (fewer: faster, rougher)",
    )
    predict.add_argument(
        "--training",
        help='the training recipe as JSON, e.g. \'{"epochs": 10, "lr": 0.01}\' (default: a '
        "spec's architecture.training, drawn per candidate; else the seed's 4 epochs at lr 0.003)",
    )
    _common(predict)
    predict.set_defaults(handler=cmd_predict)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--options", default="{}", help="dataset options as JSON, e.g. '{\"seed\": 3}'")
    p.add_argument("--seed", type=int, default=0, help="the probe's seed")
    p.add_argument("--lde", help="LDE storage URL (default: only the seed LDE shipped)")
    p.add_argument("--tau", type=float, default=DEFAULT_TAU, help="DCN window of the LDE query")
    p.add_argument(
        "--min-records",
        type=int,
        default=MIN_RECORDS,
        help="fewest records to train the TAP on (nearest datasets added to reach it)",
    )


def _load(dataset: str, options: str, seed: int) -> Any:
    import os

    import torch

    from netsynth.data.registry import load_dataset

    threads = int(os.environ.get("NETSYNTH_THREADS", "0"))
    if threads:  # as the training estimator: the user's thread budget holds here too
        torch.set_num_threads(threads)
    try:
        parsed = json.loads(options)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--options must be a JSON object, got {options!r}: {exc}") from None
    return load_dataset(dataset, seed=seed, options=parsed)


def cmd_characterize(args: argparse.Namespace) -> int:
    from netsynth.tapas.dataset_characterization import characterize
    from netsynth.tapas.lde import LifelongDatabase

    result = characterize(_load(args.dataset, args.options, args.seed), seed=args.seed)
    print(f"dataset       {args.dataset}")
    print(f"DCN           {result.dcn:.4f}   (0 easy .. 1 hard)")
    print(f"probe acc     {result.probe_accuracy:.4f}   ({result.num_classes} classes)")
    print(f"seconds       {result.seconds:.2f}")
    lde = LifelongDatabase(args.lde or "memory")
    datasets = sorted(lde.datasets().items(), key=lambda kv: abs(kv[1][0] - result.dcn))
    lde.close()
    print(f"\nnearest datasets in the LDE ({args.lde or 'seed'}; * within tau={args.tau}):")
    print(f"  {'dataset':40} {'DCN':>6} {'|dDCN|':>7} {'records':>8}")
    for name, (dcn, count) in datasets[:8]:
        mark = "*" if abs(dcn - result.dcn) <= args.tau else " "
        print(f"{mark} {name:40} {dcn:6.3f} {abs(dcn - result.dcn):7.3f} {count:8d}")
    return EXIT_OK


SEED_RECIPE = {"epochs": 4, "lr": 3e-3}  # the TAP's assumption when no recipe is given


def _recipe(text: str | None) -> dict[str, Any] | None:
    """``--training`` as a full training config dict, or None when not given."""
    if text is None:
        return None
    from dataclasses import fields

    from netsynth.training_config import TrainingConfig

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--training must be a JSON object, got {text!r}: {exc}") from None
    names = [f.name for f in fields(TrainingConfig)]
    if not isinstance(data, dict) or set(data) - set(names):
        unknown = sorted(set(data) - set(names)) if isinstance(data, dict) else data
        raise ValueError(f"--training: unknown {unknown!r}; it takes {', '.join(names)}")
    try:
        return TrainingConfig(**{**SEED_RECIPE, **data}).to_dict()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"--training: {exc}") from None


def _networks(
    args: argparse.Namespace,
) -> tuple[list[dict[str, Any]], list[dict[str, Any] | None], str | None, str]:
    """The genotype dicts to predict, the training recipe of each (None: not known), the
    spec's dataset (if any) and the spec's options."""
    text = args.network
    path = Path(text)
    if path.suffix in (".yaml", ".yml"):
        import numpy as np

        from netsynth.space.architecture_space import make_architecture_space
        from netsynth.spec.loader import load_spec

        spec = load_spec(path)
        config = spec.architecture_config(path.parent)
        if config is None or spec.data is None:
            raise ValueError(f"{text}: the spec has no architecture space and data to predict")
        space = make_architecture_space(config)
        rng = np.random.default_rng(args.seed)
        genotypes: list[dict[str, Any]] = []
        trainings: list[dict[str, Any] | None] = []
        for _ in range(args.samples):  # each candidate trained as the spec's space draws it
            genotype, training = space.decode(space.flat().sample(rng))
            genotypes.append(genotype.to_dict())
            trainings.append(training.to_dict())
        return genotypes, trainings, spec.data.dataset, json.dumps(dict(spec.data.options))
    raw = path.read_text() if path.suffix == ".json" or path.exists() else text
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(
            f"{text!r} is neither a spec (.yaml) nor a genotype as JSON "
            '(e.g. \'{"space": "chain", "layers": [{"op": "conv", "width": 16, "kernel": 3}]}\')'
        ) from None
    genotypes = data if isinstance(data, list) else [data]
    return genotypes, [None] * len(genotypes), None, "{}"


def cmd_predict(args: argparse.Namespace) -> int:
    from netsynth.data.splits import make_splits
    from netsynth.space.chain_genotype import ChainGenotype
    from netsynth.space.chain_space import ChainSpace
    from netsynth.tapas.dataset_characterization import characterize
    from netsynth.tapas.encoding import TAPEncodingError, chain_of
    from netsynth.tapas.lde import LifelongDatabase
    from netsynth.tapas.predictor import TAPConfig
    from netsynth.tapas.rank_quality import rank_quality_note, score_ranks
    from netsynth.tapas.tapas_estimator import fit_tap

    try:
        genotypes, trainings, spec_dataset, spec_options = _networks(args)
        chains = [chain_of(g) for g in genotypes]
        recipe = _recipe(args.training)
    except (TAPEncodingError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    dataset_name = args.dataset or spec_dataset
    if dataset_name is None:
        print("error: give --dataset NAME_OR_PATH (a genotype names no dataset)", file=sys.stderr)
        return EXIT_USAGE
    options = args.options if args.dataset or args.options != "{}" else spec_options
    dataset = _load(dataset_name, options, args.seed)
    dcn = characterize(dataset, seed=args.seed).dcn
    shape = make_splits(dataset, seed=args.seed).input_shape
    repaired: list[ChainGenotype] = [ChainSpace().repair(c, shape) for c in chains]
    lde = LifelongDatabase(args.lde or "memory")
    try:
        tap, selection = fit_tap(
            lde,
            dcn,
            tau=args.tau,
            min_records=args.min_records,
            config=TAPConfig(epochs=args.fit_epochs),
        )
    finally:
        lde.close()
    if recipe is not None:
        trainings = [recipe] * len(genotypes)
    recipes = [t or SEED_RECIPE for t in trainings]
    predicted = tap.predict(
        repaired, dcn=dcn, input_shape=shape, num_classes=dataset.num_classes, training=recipes
    )
    how = "widened to the nearest datasets" if selection.widened else f"within tau={args.tau}"
    print(
        f"dataset {dataset_name}: DCN {dcn:.4f}; TAP trained on {len(selection.records)} "
        f"records of {len(selection.datasets)} datasets ({how})"
    )
    source = (
        "--training" if recipe else "the spec's architecture.training" if trainings[0] else "seed"
    )
    print(f"training recipe: {source} (the TAP reads its epochs and learning rate)")
    # A score ranks the candidates; printed as a rank and a score, never as an accuracy.
    print(rank_quality_note())
    print(f"rank 1 is the highest score of the {len(repaired)} candidate(s) predicted")
    print(f"{'rank':>4}  {'score':>6}  {'epochs':>6}  {'lr':>8}  architecture")
    scores = [float(s) for s in predicted]
    rows = zip(score_ranks(scores), scores, recipes, repaired, strict=True)
    for rank, score, r, chain in sorted(rows, key=lambda p: (p[0], -p[1])):
        line = f"{rank:4d}  {score:6.3f}  {int(r['epochs']):6d}  {float(r['lr']):8.2g}"
        print(f"{line}  {chain.describe()}")
    return EXIT_OK
