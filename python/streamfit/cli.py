"""``python -m streamfit inspect|train|crosscheck|pack|convert|bench`` (SPEC §8, §9.1, §10).

Example::

    python -m streamfit pack examples/flowers.json /data/flowers_pack --shard-mb 64
    python -m streamfit inspect examples/csv_xy.json --batches 3 --json
    python -m streamfit train examples/csv_xy.json --epochs 1 --history /tmp/h.json
    python -m streamfit crosscheck examples/csv_xy.json
    python -m streamfit bench csv_streamfit_py --modes fit
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, Sequence

from .core.on_error import format_counts
from .core.record import digest, element_spec
from .core.stage import INFINITE
from .errors import StreamfitError, raise_error


def inspect_spec(path: str, batches: int = 5, epoch: int = 0) -> dict[str, Any]:
    """The SPEC §8 inspect object for the spec file at ``path``.

    Example::

        inspect_spec("examples/csv_xy.json", batches=2)["batches"][0]["digest"]
    """
    from .core.args import as_int
    from .spec import load_spec, pipeline_from_spec

    batches = as_int(batches, "--batches", minimum=0)
    pipe = pipeline_from_spec(load_spec(path))
    n = pipe.cardinality()
    if batches == 0 and n is INFINITE:
        raise_error("SF_ARG", f"{pipe.summary()} never ends; pass --batches N with N >= 1")
    spec: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    it = pipe.iterate(epoch)
    ended = True
    try:
        for index, element in enumerate(it):
            if index == 0:
                spec = element_spec(element)
            rows.append({"index": index, "digest": digest(element)})
            if batches and index + 1 >= batches:
                ended = False
                break
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return {
        "summary": pipe.summary(),
        "cardinality": "infinite" if n is INFINITE else n,
        "epoch": epoch,
        "element_spec": spec,
        "batches": rows,
        # SPEC §8: null after a partial read (how far it read ahead differs between languages)
        "skipped": pipe.skipped(epoch) if ended else None,
    }


def _print_inspect(info: dict[str, Any]) -> None:
    leaves = ", ".join(f"{leaf['dtype']} {leaf['shape']}" for leaf in info["element_spec"])
    card = info["cardinality"]
    print(f"summary:      {info['summary']}")
    print(f"cardinality:  {'unknown' if card is None else card}")
    print(f"epoch:        {info['epoch']}")
    print(f"element_spec: {leaves or '(no elements)'}")
    for row in info["batches"]:
        print(f"  {row['index']:>6}  {row['digest']}")
    skipped = info["skipped"]
    if skipped is None:
        print("skipped:      unknown (the source was not read to its end; --batches 0 reads it all)")
    else:
        print(f"skipped:      {format_counts(skipped) or 'none'}")


def _cmd_inspect(args: argparse.Namespace) -> int:
    info = inspect_spec(args.spec, args.batches, args.epoch)
    if args.json:
        # Compact like JSON.stringify, so both languages print the same bytes.
        print(json.dumps(info, separators=(",", ":"), ensure_ascii=False))
    else:
        _print_inspect(info)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .spec import load_spec
    from .tf.train import train_spec

    spec = load_spec(args.spec)
    history = train_spec(spec, epochs=args.epochs, quiet=args.quiet, weights_path=args.weights,
                         init_weights=args.init_weights, backup_dir=args.backup, history_path=args.history,
                         history_csv=args.history_csv, save_model=args.save_model)
    if not args.quiet:
        print(f"weights digest: initial {history['initial_weights_digest'][:16]}  "
              f"final {history['final_weights_digest'][:16]}")
    return 0


def _cmd_export_trainer(args: argparse.Namespace) -> int:
    from .spec import load_spec
    from .tf.trainer import export_trainer

    info = export_trainer(load_spec(args.spec), args.out_dir)
    print(f"trainer   {info['parameters']} parameters, signatures {', '.join(info['signatures'])} -> {args.out_dir} "
          f"(key {info['key'][:16]})")
    return 0


def _cmd_crosscheck(args: argparse.Namespace) -> int:
    from .crosscheck import crosscheck

    return crosscheck(args.spec, epochs=args.epochs, show_all=args.all, plot=args.plot, engine=args.engine)


def _cmd_convert(args: argparse.Namespace) -> int:
    from .exchange_cli import convert

    print(convert(args.src, args.dst, args.weights))
    return 0


def _cmd_pack(args: argparse.Namespace) -> int:
    from .pack.from_spec import pack_spec_file

    shard_bytes = math.floor(args.shard_mb * 2**20) if math.isfinite(args.shard_mb) else 0  # M * 2^20, whole bytes
    if shard_bytes < 1:
        raise_error("SF_ARG", f"--shard-mb must be a positive number of MiB, got {args.shard_mb!r}")
    index, left, summary = pack_spec_file(args.spec, args.out_dir, shard_bytes, args.variable or (),
                                          progress=not args.quiet)
    n = len(index["shards"])
    print(f"packed    {summary}: {index['records']} records in {n} shard{'' if n == 1 else 's'} -> {args.out_dir}")
    if left:
        print(f"left      {len(left)} op{'s' if len(left) != 1 else ''} for reading (apply them after "
              f"{{\"type\": \"packed\"}}): {json.dumps(left, separators=(', ', ': '))}")
    return 0


def _cmd_bench(argv: Sequence[str]) -> int:
    """``bench NAME... [OPTIONS]``: the leading names are contenders, the rest the suite's own options."""
    import subprocess

    names = []
    for a in argv:
        if a.startswith("-"):
            break
        names.append(a)
    rest = list(argv[len(names):])

    suite = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "bench", "suite.py"))
    if not os.path.exists(suite):
        raise_error("SF_ARG", f"bench runs the benchmark suite of a source checkout (bench/suite.py), "
                    f"not found at {suite}")
    only = ",".join(names)
    return subprocess.call([sys.executable, suite, *(["--only", only] if only else []), *rest])


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m streamfit``."""
    ap = argparse.ArgumentParser(prog="python -m streamfit", description="streamfit command-line tools")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inspect", help="print a spec's pipeline summary and batch digests")
    p.add_argument("spec")
    p.add_argument("--batches", type=int, default=5, help="how many elements (0 = all; default 5)")
    p.add_argument("--epoch", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object (SPEC §8)")
    p.set_defaults(run=_cmd_inspect)
    p = sub.add_parser("train", help="train a spec's model on its pipeline")
    p.add_argument("spec")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--history", default=None, help="write the history JSON here (after every epoch)")
    p.add_argument("--history-csv", default=None, help="write the history as CSV here (after every epoch)")
    p.add_argument("--backup", default=None, help="back the run up into this folder, and resume from a backup there "
                   "(SPEC §5.6; overrides train.backup.dir)")
    p.add_argument("--weights", default=None, help="write the final weights here (JSON, SPEC §8)")
    p.add_argument("--init-weights", default=None, help="start from the weights in this --weights file")
    p.add_argument("--save-model", default=None, metavar="DIR",
                   help="write the final model as a tfjs LayersModel folder (SPEC §10; Node loads it)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(run=_cmd_train)
    p = sub.add_parser("export-trainer", help="write the spec's training step as a SavedModel for Node's graph engine "
                       "(SPEC §5.7)")
    p.add_argument("spec")
    p.add_argument("out_dir")
    p.set_defaults(run=_cmd_export_trainer)
    p = sub.add_parser("crosscheck", help="compare Python and Node on one spec")
    p.add_argument("spec")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--all", action="store_true", help="print every element and step row, not only the first and any that differ")
    p.add_argument("--plot", default=None, metavar="PNG", help="write both languages' loss per step to this PNG")
    p.add_argument("--engine", choices=("layers", "graph"), default="layers",
                   help="Node's engine (SPEC §5.7); graph: training must be equal, bit for bit")
    p.set_defaults(run=_cmd_crosscheck)
    p = sub.add_parser("pack", help="write a spec's records as a pack (resumable; SPEC §9)")
    p.add_argument("spec")
    p.add_argument("out_dir")
    p.add_argument("--shard-mb", type=float, default=128, help="shard size in MiB (default 128)")
    p.add_argument("--variable", nargs="+", default=None, metavar="F",
                   help="fields (\"0\", \"1\", ...) that are 1-d with a length that varies per record")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=_cmd_pack)
    p = sub.add_parser("convert", help="convert Keras 3 models to and from tfjs LayersModel folders (SPEC §10)")
    p.add_argument("src", help="MODEL.keras, SPEC.json or a tfjs folder")
    p.add_argument("dst", help="a tfjs folder, MODEL.keras or W.json")
    p.add_argument("--weights", default=None, help="with a spec SRC: the weights (a --weights file, SPEC §8)")
    p.set_defaults(run=_cmd_convert)
    p = sub.add_parser("bench", help="run benchmark contenders (a source checkout's bench/suite.py; no names: "
                       "the whole suite, as make bench)", add_help=False)
    p.add_argument("contenders", nargs="*", help="contender names first, e.g. csv_streamfit_py; then the suite's "
                   "options (--modes, --repeats, --rows, ...), which pass through; --help shows them")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (SPEC §8: 1 on a streamfit error, 2 on bad usage)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["bench"]:
        args = parser().parse_args(argv)
    try:
        if argv[:1] == ["bench"]:
            return _cmd_bench(argv[1:])
        return int(args.run(args))
    except StreamfitError as err:
        print(f"error {err.code}: {err.detail}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
