"""``netsynth characterize DATASET`` and ``netsynth predict SPEC_OR_GENOTYPE --dataset D``."""

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
    """Register both subcommands on the CLI's subparsers."""
    characterize = commands.add_parser(
        "characterize", help="a dataset's DCN (TAPAS) and the nearest datasets in the LDE"
    )
    characterize.add_argument("dataset", help="a built-in name or a path to your data")
    _common(characterize)
    characterize.set_defaults(handler=cmd_characterize)

    predict = commands.add_parser(
        "predict", help="predict a network's accuracy on a dataset without training it"
    )
    predict.add_argument(
        "network", help="a chain genotype (JSON file or JSON text) or a spec (samples its space)"
    )
    predict.add_argument("--dataset", help="dataset name or path (default: the spec's)")
    predict.add_argument("--samples", type=int, default=10, help="candidates drawn from a spec")
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
    from netsynth.data.registry import load_dataset

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


def _networks(args: argparse.Namespace) -> tuple[list[dict[str, Any]], str | None, str]:
    """The genotype dicts to predict, the spec's dataset (if any) and the spec's options."""
    text = args.network
    path = Path(text)
    if path.suffix in (".yaml", ".yml"):
        import numpy as np

        from netsynth.space.architecture_space import make_architecture_space
        from netsynth.spec.loader import load_spec

        spec = load_spec(path)
        config = spec.architecture(path.parent)
        if config is None or spec.data is None:
            raise ValueError(f"{text}: the spec has no architecture space and data to predict")
        space = make_architecture_space(config)
        rng = np.random.default_rng(args.seed)
        genotypes = [space.sample(rng).to_dict() for _ in range(args.samples)]
        return genotypes, spec.data.dataset, json.dumps(dict(spec.data.options))
    raw = path.read_text() if path.suffix == ".json" or path.exists() else text
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(
            f"{text!r} is neither a spec (.yaml) nor a genotype as JSON "
            '(e.g. \'{"space": "chain", "layers": [{"op": "conv", "width": 16, "kernel": 3}]}\')'
        ) from None
    return (data if isinstance(data, list) else [data]), None, "{}"


def cmd_predict(args: argparse.Namespace) -> int:
    from netsynth.data.splits import make_splits
    from netsynth.space.chain_genotype import ChainGenotype
    from netsynth.space.chain_space import ChainSpace
    from netsynth.tapas.dataset_characterization import characterize
    from netsynth.tapas.encoding import TAPEncodingError, chain_of
    from netsynth.tapas.lde import LifelongDatabase
    from netsynth.tapas.tapas_estimator import fit_tap

    try:
        genotypes, spec_dataset, spec_options = _networks(args)
        chains = [chain_of(g) for g in genotypes]
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
        tap, selection = fit_tap(lde, dcn, tau=args.tau, min_records=args.min_records)
    finally:
        lde.close()
    predicted = tap.predict(repaired, dcn=dcn, input_shape=shape, num_classes=dataset.num_classes)
    how = "widened to the nearest datasets" if selection.widened else f"within tau={args.tau}"
    print(
        f"dataset {dataset_name}: DCN {dcn:.4f}; TAP trained on {len(selection.records)} "
        f"records of {len(selection.datasets)} datasets ({how})"
    )
    print(f"{'predicted':>9}  architecture")
    for acc, chain in sorted(zip(predicted, repaired, strict=True), key=lambda p: -p[0]):
        print(f"{acc:9.4f}  {chain.describe()}")
    return EXIT_OK
