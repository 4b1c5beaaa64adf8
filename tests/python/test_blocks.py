"""Block path == record path, for many random pipelines (core/block.py).

The reference below is a plain record-at-a-time model of SPEC §1.5-§1.7, §2.2
and §4.1 written here, sharing no code with the stages but the PRNG and the
permutation (held to the shared vectors by test_golden). Each random pipeline
mixes built-in maps and filters (block-vectorised), the same functions hidden
behind a plain lambda (record path, regrouped into blocks), buffer and global
shuffles, take, skip, batch and repeat, over ``range`` and small CSV files
read in tiny blocks so block edges fall everywhere.
"""

import itertools
import random

import numpy as np
import pytest

from streamfit import csv, digest, from_range
from streamfit.core import block as blk
from streamfit.core.record import stack
from streamfit.ops import builtins
from streamfit.ops import shuffle_buffer
from streamfit.ops.shuffle import buffer_shuffle
from streamfit.order.permute import permute


# -- the reference: records only ------------------------------------------------
def ref_iter(source_records, ops, epoch):
    """Records of ``ops`` applied to ``source_records(epoch)``, one at a time."""
    if not ops:
        return list(source_records(epoch))
    *head, (name, arg) = ops

    def up(e):
        return ref_iter(source_records, head, e)

    if name == "map":
        return [arg(r) for r in up(epoch)]
    if name == "filter":
        return [r for r in up(epoch) if arg(r)]
    if name == "take":
        return up(epoch)[:arg]
    if name == "skip":
        return up(epoch)[arg:]
    if name == "batch":
        recs = up(epoch)
        return [stack(recs[i:i + arg]) for i in range(0, len(recs), arg)]
    if name == "repeat":
        return [r for k in range(arg) for r in up((epoch * arg + k) & 0xFFFFFFFF)]
    if name == "buffer_shuffle":
        size, seed = arg
        return list(buffer_shuffle(iter(up(epoch)), size, seed, epoch))
    if name == "global_shuffle":
        recs = up(epoch)
        return [recs[permute(i, len(recs), arg, epoch)] for i in range(len(recs))]
    raise AssertionError(name)


def build(pipe, ops):
    for name, arg in ops:
        if name in ("map", "filter"):
            pipe = getattr(pipe, name)(arg)
        elif name == "buffer_shuffle":
            pipe = pipe.shuffle(buffer_size=arg[0], seed=arg[1])
        elif name == "global_shuffle":
            pipe = pipe.shuffle(seed=arg)
        else:
            pipe = getattr(pipe, name)(arg)
    return pipe


def plain(fn):
    """The same function without its ``block`` attribute: forces the record path."""
    return lambda r: fn(r)


# -- random pipelines --------------------------------------------------------------
def random_ops(rng, scalar_label, n):
    ops, batched, indexable = [], False, True
    maps = [builtins.divide(3.0), builtins.normalize(0.5, 2.0), builtins.cast("float32")]
    if scalar_label:
        maps.append(builtins.cast("int32", on="y"))
    preds = [builtins.finite(), builtins.label_in([0, 1, 2, 3, 5, 8, 13, 21])]
    for _ in range(rng.randint(1, 6)):
        kind = rng.choice(["map", "filter", "take", "skip", "buffer_shuffle", "global_shuffle",
                           "repeat", "batch", "prefetch"])
        if batched and kind in ("map", "filter", "batch"):
            continue
        if kind == "map":
            fn = rng.choice(maps)
            ops.append(("map", fn if rng.random() < 0.6 else plain(fn)))
        elif kind == "filter":
            fn = rng.choice(preds)
            ops.append(("filter", fn if rng.random() < 0.6 else plain(fn)))
            indexable = False
        elif kind == "take":
            ops.append(("take", rng.randint(0, n + 3)))
        elif kind == "skip":
            ops.append(("skip", rng.randint(0, n // 2 + 1)))
        elif kind == "buffer_shuffle":
            ops.append(("buffer_shuffle", (rng.choice([1, 2, 5, 17, 64, 1000]), rng.randrange(2**32))))
            indexable = False
        elif kind == "global_shuffle" and indexable:
            ops.append(("global_shuffle", rng.randrange(2**32)))
        elif kind == "repeat":
            ops.append(("repeat", rng.randint(0, 3)))
            indexable = False
        elif kind == "batch":
            ops.append(("batch", rng.randint(1, 40)))
            batched, indexable = True, False
    return ops


def digests(records):
    return [digest(r) for r in records]


@pytest.mark.parametrize("seed", range(120))
def test_range_pipelines(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    ops = random_ops(rng, scalar_label=False, n=n)
    pipe = build(from_range(n), ops)

    def source(epoch):
        return [np.array(i, dtype=np.int32) for i in range(n)]

    for epoch in (0, 3):
        want = digests(ref_iter(source, ops, epoch))
        assert digests(pipe.iterate(epoch)) == want, (n, ops)
        assert digests(r for b in pipe.stages[-1].iterate_blocks(epoch) for r in blk.unstack(b)) == want


@pytest.mark.parametrize("seed", range(60))
def test_csv_pipelines(tmp_path, seed):
    rng = random.Random(1000 + seed)
    n = rng.randint(1, 200)
    ncols = rng.randint(2, 4)
    lines = [",".join(f"c{j}" for j in range(ncols))]
    for _ in range(n):
        row = [rng.choice([f"{rng.uniform(-50, 50):.{rng.randint(0, 6)}f}", str(rng.randint(-9, 30)),
                           "nan", "-inf", "1e3", " 2.5 "]) for _ in range(ncols - 1)]
        lines.append(",".join(row + [str(rng.randint(0, 9))]))
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + ("\n" if rng.random() < 0.5 else ""))
    block_size = rng.choice([1, 7, 64, 4096])
    ops = random_ops(rng, scalar_label=True, n=n)
    ops = [op for op in ops if op[0] != "global_shuffle"]  # a CSV is a stream
    label = f"c{ncols - 1}"
    pipe = build(csv(str(path), label=label, block_size=block_size), ops)
    whole = csv(str(path), label=label)

    def source(epoch):
        return list(whole.iterate(epoch))

    for epoch in (0, 2):
        want = digests(ref_iter(source, ops, epoch))
        assert digests(pipe.iterate(epoch)) == want, (n, block_size, ops)


def test_csv_block_reader_matches_row_by_row_parse(tmp_path):
    rng = random.Random(5)
    rows = [(rng.uniform(-1e6, 1e6), rng.randint(-5, 5)) for _ in range(3000)]
    text = "x,y\n" + "".join(f"{x:.{rng.randint(0, 9)}f},{y}\n" for x, y in rows)
    path = tmp_path / "r.csv"
    path.write_text(text)
    got = list(csv(str(path), label="y", block_size=333))
    for (x, y), line in zip(got, text.splitlines()[1:]):
        fx, fy = line.split(",")
        assert x.tobytes() == np.array([float(fx)], dtype=np.float64).astype(np.float32).tobytes()
        assert y.tobytes() == np.float32(float(fy)).tobytes()


def test_batch_shape_error_across_blocks_names_the_record():
    def shape(r):
        return np.zeros((2 if int(r) < 5 else 3,), np.float32)

    pipe = from_range(10).map(shape).batch(4)
    it = pipe.iterate(0)
    assert next(it).shape == (4, 2)
    with pytest.raises(ValueError, match=r"record 1 in the batch has float32 \[3\]") as exc:
        next(it)
    assert exc.value.code == "SF_BATCH_SHAPE"


def test_block_map_error_comes_at_its_record():
    pipe = from_range(10).map(builtins.one_hot(5))
    got = list(itertools.islice(pipe.iterate(0), 5))  # records 0..4 are fine
    assert [int(r.argmax()) for r in got] == list(range(5))
    with pytest.raises(ValueError, match="value 5 is outside"):
        list(pipe.iterate(0))


def test_buffer_shuffle_falls_back_when_shapes_change():
    def shape(r):
        return np.full((1 + int(r) % 3,), int(r), np.int32)

    pipe = from_range(30).map(shape).shuffle(buffer_size=7, seed=3)
    want = list(buffer_shuffle(iter([shape(np.int32(i)) for i in range(30)]), 7, 3, 0))
    assert digests(pipe.iterate(0)) == digests(want)


def test_buffer_shuffle_draws_for_long_blocks_in_bounded_steps():
    """A block longer than STEP_ROWS (a 1 MiB CSV piece is ~55k rows) is drawn for in views of at
    most that many rows: the same order as the record version, and no output block is longer."""
    n = 2 * shuffle_buffer.STEP_ROWS + 123
    x = np.arange(n, dtype=np.int64)
    block = (x, (x * 7 % 1000).astype(np.int32))
    got = list(shuffle_buffer.buffer_shuffle_blocks(iter([block]), 1000, 5, 2))
    assert max(blk.rows(b) for b in got) <= shuffle_buffer.STEP_ROWS
    want = list(buffer_shuffle(iter(blk.unstack(block)), 1000, 5, 2))
    assert [int(r[0]) for b in got for r in blk.unstack(b)] == [int(r[0]) for r in want]
    assert sorted(int(r[0]) for r in want) == list(range(n))
