"""Produce shared_fixtures/vectors/*.json and shared_fixtures/cases/**/*.json.

This is the reference both packages are checked against (SPEC.md §7). It
implements SPEC.md plainly and slowly, materialising every epoch as a list,
and shares no code with python/streamfit or js/. Image pixels come from
TensorFlow's own DecodeImage / ResizeBilinear kernels (the kernels SPEC §3.2
names), called directly.

    python tools/make_golden.py            # rewrite the fixtures
    python tools/make_golden.py --check    # exit 1 if the committed ones differ
"""
import argparse
import hashlib
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from refrng import TAG_SPLT, Xoshiro, buffer_shuffle, combine, mix32, permute  # noqa: E402
from golden_cases import CASES, PACKS  # noqa: E402
import refpack  # noqa: E402

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "shared_fixtures"))


class RefError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


class Bad:
    """A record that fails when it is read, under on_error "skip" (SPEC §4.6): it keeps its
    listed position (a global shuffle permutes it) and is dropped before any other op."""

    def __init__(self, code):
        self.code = code


class Skips:
    """Skip counts of one source read (SPEC §4.6). raise_or_count re-raises unless skipping."""

    def __init__(self, p):
        self.skip = p.get("on_error", "raise") == "skip"
        self.counts = {}

    def count(self, code):
        self.counts[code] = self.counts.get(code, 0) + 1

    def raise_or_count(self, err):
        if not self.skip:
            raise err
        self.count(err.code)

    def none_left(self, what):
        raise RefError("SF_EMPTY_SOURCE", f"{what}: every record was skipped {self.counts}")


# ---------------------------------------------------------------- digests (§2.3)
def flatten(tree):
    if isinstance(tree, tuple):
        return [leaf for item in tree for leaf in flatten(item)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree, key=lambda k: k.encode()) for leaf in flatten(tree[k])]
    return [tree]


def digest(tree):
    h = hashlib.sha256()
    for a in flatten(tree):
        a = np.asarray(a, order="C")  # (ascontiguousarray would turn a 0-d array into shape (1,))
        h.update(f"{a.dtype.name}:{','.join(str(d) for d in a.shape)};".encode())
        h.update(a.astype(a.dtype.newbyteorder("<")).tobytes())
    return h.hexdigest()


def values(tree):
    if isinstance(tree, tuple):
        return [values(t) for t in tree]
    return tree.tolist()


# ---------------------------------------------------------------- sources
def src_range(p):
    if p["n"] == 0:
        raise RefError("SF_EMPTY_SOURCE", "range(0)")
    return [np.array(i, dtype=np.int32) for i in range(p["n"])], True, {}


NUM = re.compile(r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|nan|inf|infinity)", re.I)


def parse_field(text, dtype, where):
    t = text.strip(" \t")
    if not NUM.fullmatch(t):
        raise RefError("SF_CSV_NUMBER", f"{where}: {text!r} is not a number")
    v = float(t)
    if v != v:
        v = float("nan")  # SPEC §2.4: one canonical quiet NaN, sign dropped
    if dtype == "int32":
        if v != v or v in (float("inf"), float("-inf")) or v != int(v) or not -2**31 <= v < 2**31:
            raise RefError("SF_CSV_NUMBER", f"{where}: {text!r} is not an int32")
        return np.array(int(v), dtype=np.int32)
    with np.errstate(over="ignore"):
        return np.array(v, dtype=np.float64).astype(np.float32)  # IEEE round-to-nearest; overflow -> inf


def src_csv(p, base):
    path = os.path.normpath(os.path.join(base, p["path"]))
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise RefError("SF_FILE_NOT_FOUND", name)
    data = open(path, "rb").read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    if not lines:
        raise RefError("SF_EMPTY_SOURCE", f"{name} is empty")
    header = p.get("header", True)
    delim = p.get("delimiter", ",").encode()
    first = lines[0].split(delim)
    ncols = len(first)
    names = [c.decode() for c in first] if header else None

    def col(c):
        if isinstance(c, int):
            if not 0 <= c < ncols:
                raise RefError("SF_CSV_HEADER", f"{name}: column {c} out of range")
            return c
        if names is None or names.count(c) != 1:
            raise RefError("SF_CSV_HEADER", f"{name}: column {c!r}")
        return names.index(c)

    label = p.get("label")
    label_cols = None if label is None else [col(c) for c in (label if isinstance(label, list) else [label])]
    feats = p.get("features")
    if feats is None:
        feat_cols = [c for c in range(ncols) if not label_cols or c not in label_cols]
    else:
        feat_cols = [col(c) for c in feats]
    dt, ldt = p.get("dtype", "float32"), p.get("label_dtype", "float32")
    skips = Skips(p)

    def record(lineno, ln):
        if ln == b"":
            raise RefError("SF_CSV_EMPTY_LINE", f"{name} line {lineno}")
        fields = ln.split(delim)
        if len(fields) != ncols:
            raise RefError("SF_CSV_COLUMNS", f"{name} line {lineno}")
        where = f"{name} line {lineno}"
        x = np.array([parse_field(fields[c].decode(), dt, where) for c in feat_cols])
        if label_cols is None:
            return x
        ys = [parse_field(fields[c].decode(), ldt, where) for c in label_cols]
        return (x, ys[0] if not isinstance(label, list) else np.array(ys))

    out = []
    for lineno, ln in enumerate(lines, start=1):
        if header and lineno == 1:
            continue
        try:
            out.append(record(lineno, ln))
        except RefError as e:
            skips.raise_or_count(e)
    if not out:
        if skips.counts:
            skips.none_left(name)
        raise RefError("SF_EMPTY_SOURCE", f"{name} has no data rows")
    return out, False, skips.counts


IMAGE_EXT = ("jpg", "jpeg", "png", "bmp", "gif", "webp")


def src_image_folder(p, base):
    import tensorflow as tf

    path = os.path.normpath(os.path.join(base, p["path"]))
    exts = tuple(e.lower() for e in p.get("extensions", IMAGE_EXT))
    files = sorted(
        (f for f in os.listdir(path) if not f.startswith(".") and "." in f and f.rsplit(".", 1)[1].lower() in exts),
        key=lambda f: f.encode(),
    )
    if not files:
        raise RefError("SF_EMPTY_SOURCE", path)
    skips = Skips(p)
    pat = re.compile(p.get("pattern", "^([^_]+)_"))
    named = []
    for f in files:
        m = pat.search(f)
        if not m:
            skips.raise_or_count(RefError("SF_IMAGE_LABEL", f))
            continue
        named.append((f, m.group(1)))
    classes = p.get("classes") or sorted({c for _, c in named}, key=lambda c: c.encode())
    kept = []
    for f, c in named:
        if c not in classes:
            skips.raise_or_count(RefError("SF_IMAGE_LABEL", f"{f}: {c}"))
            continue
        kept.append((f, c))
    if not kept:
        skips.none_left(path)
    mode, size, scale = p.get("label_mode", "int"), p.get("image_size"), p.get("scale", False)
    out = []
    for f, c in kept:
        raw = open(os.path.join(path, f), "rb").read()
        if p.get("decode", True) is False:  # the file's bytes (SPEC §3.2)
            k = classes.index(c)
            out.append(np.frombuffer(raw, np.uint8).copy() if mode == "none" else
                       (np.frombuffer(raw, np.uint8).copy(), np.array(k, dtype=np.int32)) if mode == "int" else
                       (np.frombuffer(raw, np.uint8).copy(), np.eye(len(classes), dtype=np.float32)[k]))
            continue
        try:
            x = tf.raw_ops.DecodeImage(contents=raw, channels=p.get("channels", 3), dtype=tf.uint8,
                                       expand_animations=False)
        except Exception:
            skips.raise_or_count(RefError("SF_IMAGE_DECODE", f))
            out.append(Bad("SF_IMAGE_DECODE"))
            continue
        if size:
            x = tf.raw_ops.ResizeBilinear(images=x[None], size=size, align_corners=False,
                                          half_pixel_centers=True)[0]
        x = x.numpy()
        if scale:
            x = x.astype(np.float32) / np.float32(255)
        k = classes.index(c)
        if mode == "none":
            out.append(x)
        elif mode == "int":
            out.append((x, np.array(k, dtype=np.int32)))
        else:
            out.append((x, np.eye(len(classes), dtype=np.float32)[k]))
    return out, True, skips.counts


KERAS_EXT = ("bmp", "gif", "jpeg", "jpg", "png")
_KERAS_LOADERS = {}


def keras_images(paths, size, channels, crop, pad):
    """Keras's own image loader run the way image_dataset_from_directory runs it: mapped
    over a tf.data pipeline. (A bare tf.function is not the same: grappler rewrites its
    float32 divisions by constants into multiplications, and some sizes come out different.)"""
    import tensorflow as tf
    from keras.src.utils.image_dataset_utils import _load_image_tf

    ds = tf.data.Dataset.from_tensor_slices(paths).map(
        lambda p: _load_image_tf(p, tuple(size), channels, "bilinear", "channels_last", crop, pad))
    return [x.numpy() for x in ds]


def class_listing(root, class_names, exts, skips):
    """(relative paths, labels, classes) in Keras's index_directory order (SPEC §3.4)."""
    subdirs = sorted((d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith(".")),
                     key=lambda d: d.encode())
    classes = subdirs if class_names is None else class_names
    if not classes:
        raise RefError("SF_LAYOUT", "no class")
    for c in classes:
        if c not in subdirs:
            raise RefError("SF_LAYOUT", f"class {c!r} has no folder")
    files, labels = [], []
    for k, c in enumerate(classes):
        found = 0
        for dirpath, _, names in sorted(os.walk(os.path.join(root, c)), key=lambda w: w[0].encode()):
            for f in sorted(names, key=lambda f: f.encode()):
                rel = os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/")
                if not f.lower().endswith(tuple("." + e for e in exts)):
                    if f.startswith("."):
                        continue  # .DS_Store and the like
                    skips.raise_or_count(RefError("SF_LAYOUT", f"{rel}: unknown extension"))
                    continue
                files.append(rel)
                labels.append(k)
                found += 1
        if not found:
            raise RefError("SF_LAYOUT", f"class folder {c!r} is empty")
    return files, labels, classes


def src_class_folder(p, base):
    import tensorflow as tf

    root = os.path.normpath(os.path.join(base, p["path"]))
    exts = tuple(e.lower() for e in p.get("extensions", KERAS_EXT))
    skips = Skips(p)
    files, labels, classes = class_listing(root, p.get("class_names"), exts, skips)
    split, subset, seed = p.get("validation_split"), p.get("subset"), p.get("seed")
    if (split is None) != (subset is None):
        raise RefError("SF_ARG", "subset and validation_split go together")
    if split is not None and seed is None:
        raise RefError("SF_SEED", "a split needs a seed")
    if p.get("label_mode") == "binary" and len(classes) != 2:
        raise RefError("SF_ARG", "binary needs 2 classes")
    order = list(range(len(files)))
    if split is not None:
        n = len(files)
        v = int(split * n)
        if p.get("split_mode", "streamfit") == "keras":
            o = np.arange(n)
            np.random.RandomState(seed).shuffle(o)
            order = o[:n - v].tolist() if subset == "training" else o[n - v:].tolist()
        else:
            k = combine(seed, TAG_SPLT)
            val = [permute(i, n, k, 0) >= n - v for i in range(n)]
            order = [i for i in range(n) if val[i] == (subset == "validation")]
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[p.get("color_mode", "rgb")]
    size, scale, mode = p.get("image_size"), p.get("scale", False), p.get("label_mode", "int")
    crop, pad = p.get("crop_to_aspect_ratio", False), p.get("pad_to_aspect_ratio", False)
    out = []
    for i in order:
        path = os.path.join(root, files[i])
        try:
            if size:
                x = keras_images([path], size, channels, crop, pad)[0]
            else:
                x = tf.raw_ops.DecodeImage(contents=open(path, "rb").read(), channels=channels, dtype=tf.uint8,
                                           expand_animations=False).numpy()
        except Exception:
            skips.raise_or_count(RefError("SF_IMAGE_DECODE", files[i]))
            out.append(Bad("SF_IMAGE_DECODE"))
            continue
        if scale:
            x = x.astype(np.float32) / np.float32(255)
        k = labels[i]
        if mode == "none":
            out.append(x)
        elif mode == "int":
            out.append((x, np.array(k, dtype=np.int32)))
        elif mode == "binary":
            out.append((x, np.array([k], dtype=np.float32)))
        else:
            out.append((x, np.eye(len(classes), dtype=np.float32)[k]))
    return out, True, skips.counts


def src_paired_folders(p, base):
    import tensorflow as tf

    root = os.path.normpath(os.path.join(base, p["path"]))
    inputs, label = p.get("inputs", ["time1", "time2"]), p.get("label", "label")
    folders = list(inputs) + ([label] if label is not None else [])
    exts = tuple("." + e.lower() for e in p.get("extensions", IMAGE_EXT))
    skips = Skips(p)
    stems, twice = [], set()
    for folder in folders:
        d = os.path.join(root, folder)
        if not os.path.isdir(d):
            raise RefError("SF_LAYOUT", f"missing folder {folder}")
        m = {}
        for f in sorted(os.listdir(d), key=lambda f: f.encode()):
            if os.path.isdir(os.path.join(d, f)) or not f.lower().endswith(exts):
                if f.startswith("."):
                    continue  # .DS_Store, .git and the like
                skips.raise_or_count(RefError("SF_LAYOUT", f"{folder}/{f}: not an image"))
                continue
            stem = f.rsplit(".", 1)[0]
            if stem in m:
                if not skips.skip:
                    raise RefError("SF_LAYOUT", f"{folder}: stem {stem} twice")
                twice.add(stem)
            m[stem] = f
        stems.append(m)
    if skips.skip:  # SPEC §4.6: the candidates are the stems of all folders
        order = []
        for stem in sorted({t for m in stems for t in m}, key=lambda t: t.encode()):
            if stem in twice:
                skips.count("SF_LAYOUT")
            elif any(stem not in m for m in stems):
                skips.count("SF_PAIR_MISSING")
            else:
                order.append(stem)
        if not order:
            skips.none_left(root)
    else:
        for a, fa in zip(folders, stems):
            for b, fb in zip(folders, stems):
                for stem in fa:
                    if stem not in fb:
                        raise RefError("SF_PAIR_MISSING", f"{a}/{fa[stem]} has no partner in {b}")
        order = sorted(stems[0], key=lambda t: t.encode())
    if not order:
        raise RefError("SF_EMPTY_SOURCE", root)
    size, scale, ch = p.get("image_size"), p.get("scale", False), p.get("channels", 3)

    def load(folder, name, channels, mask):
        x = tf.raw_ops.DecodeImage(contents=open(os.path.join(root, folder, name), "rb").read(), channels=channels,
                                   dtype=tf.uint8, expand_animations=False)
        if size:
            op = tf.raw_ops.ResizeNearestNeighbor if mask else tf.raw_ops.ResizeBilinear
            x = op(images=x[None], size=size, align_corners=False, half_pixel_centers=True)[0]
        x = x.numpy()
        if scale and not mask:
            x = x.astype(np.float32) / np.float32(255)
        return x

    out = []
    for stem in order:
        try:
            xs = tuple(load(f, m[stem], ch, False) for f, m in zip(inputs, stems))
            out.append((xs, load(label, stems[-1][stem], 1, True)) if label is not None else (xs,))
        except Exception:
            skips.raise_or_count(RefError("SF_IMAGE_DECODE", stem))
            out.append(Bad("SF_IMAGE_DECODE"))
    return out, True, skips.counts


def each_leaf(rec, on, f):
    if isinstance(rec, tuple) and len(rec) == 2:
        x, y = rec
        if on == "y":
            return (x, tree_map(y, f))
        return (tree_map(x, f), y)
    return tree_map(rec, f)


def tree_map(t, f):
    return tuple(tree_map(i, f) for i in t) if isinstance(t, tuple) else f(t)


def builtin_map(op):
    fn = op["fn"]
    if fn == "divide":
        v = np.float32(op["value"])
        return lambda a: (a.astype(np.float32) / v).astype(np.float32)
    if fn == "normalize":
        m, s = np.float32(op["mean"]), np.float32(op["std"])
        return lambda a: ((a.astype(np.float32) - m).astype(np.float32) / s).astype(np.float32)
    if fn == "one_hot":
        d = op["depth"]
        return lambda a: np.eye(d, dtype=np.float32)[int(a)]
    if fn == "decode_image":
        import tensorflow as tf

        def decode(a):
            try:
                x = tf.raw_ops.DecodeImage(contents=a.tobytes(), channels=op.get("channels", 3), dtype=tf.uint8,
                                           expand_animations=False)
            except Exception:
                raise RefError("SF_IMAGE_DECODE", f"{a.size} bytes")
            if op.get("image_size"):
                x = tf.raw_ops.ResizeBilinear(images=x[None], size=op["image_size"], align_corners=False,
                                              half_pixel_centers=True)[0]
            x = x.numpy()
            return x.astype(np.float32) / np.float32(255) if op.get("scale") else x
        return decode
    if fn == "cast":
        return lambda a: np.trunc(a).astype(op["dtype"]) if op["dtype"] == "int32" else a.astype(np.float32)
    raise KeyError(fn)


def label_of(rec):
    return rec[1] if isinstance(rec, tuple) and len(rec) == 2 else rec


def builtin_filter(op):
    if op["predicate"] == "label_in":
        vals = op["values"]
        return lambda r: label_of(r).item() in vals
    if op["predicate"] == "finite":
        return lambda r: all(np.isfinite(a).all() for a in flatten(r[0] if isinstance(r, tuple) else r))
    raise KeyError(op["predicate"])


def stack(group):
    first = group[0]
    if isinstance(first, tuple):
        return tuple(stack([g[i] for g in group]) for i in range(len(first)))
    shapes = {a.shape for a in group}
    if len(shapes) != 1:
        raise RefError("SF_BATCH_SHAPE", str(shapes))
    return np.stack(group)


def src_packed(p, base, epoch):
    """SPEC §3.7, reading the pack files with the reference reader."""
    path = os.path.normpath(os.path.join(base, p["path"]))
    how, seed = p.get("order", "sequential"), p.get("seed")
    if how == "sequential" and seed is not None:
        raise RefError("SF_ARG", "seed with sequential")
    if how != "sequential" and seed is None:
        raise RefError("SF_SEED", "order needs a seed")
    if not os.path.isdir(path):
        raise RefError("SF_FILE_NOT_FOUND", path)
    if not os.path.exists(os.path.join(path, "index.json")):
        raise RefError("SF_PACK_FORMAT", f"{path}: no index.json")
    index = json.load(open(os.path.join(path, "index.json")))
    if index.get("format") != "streamfit-pack" or index.get("version") != 1:
        raise RefError("SF_PACK_FORMAT", f"{path}: version")
    import hashlib as _h
    for sh in index["shards"]:
        data = open(os.path.join(path, sh["file"]), "rb").read()
        if len(data) != sh["bytes"] or _h.sha256(data).hexdigest() != sh["sha256"]:
            raise RefError("SF_PACK_CHECKSUM", sh["file"])
    records, counts = refpack.read_pack(path)
    order = refpack.order(counts, how, seed, p.get("window", 2), epoch)
    return [records[r] for r in order], True, {}


def run(spec, base, epoch):
    """Materialise one epoch of a spec: (elements, indexable, skip counts of the source read)."""
    s = spec["source"]
    kind = s["type"]
    if kind == "range":
        elems, idx, counts = src_range(s)
    elif kind == "csv":
        elems, idx, counts = src_csv(s, base)
    elif kind == "class_folder":
        elems, idx, counts = src_class_folder(s, base)
    elif kind == "paired_folders":
        elems, idx, counts = src_paired_folders(s, base)
    elif kind == "packed":
        elems, idx, counts = src_packed(s, base, epoch)
    else:
        elems, idx, counts = src_image_folder(s, base)
    if elems and all(isinstance(r, Bad) for r in elems):
        raise RefError("SF_EMPTY_SOURCE", f"every record was skipped {counts}")
    ops = spec.get("ops", [])
    # SPEC §4.2/§4.6: an image source that skips while reading has an unknown cardinality,
    # so take/skip after it are streams
    lossy = kind in ("image_folder", "class_folder", "paired_folders") and s.get("on_error") == "skip"
    elems, idx = apply_ops(elems, idx, ops, epoch, base_source=(spec, base), lossy=lossy)
    return [r for r in elems if not isinstance(r, Bad)], idx, dict(sorted(counts.items()))


def apply_ops(elems, idx, ops, epoch, base_source, lossy=False):
    for k, op in enumerate(ops):
        name = op["op"]
        if not (name == "map" or name == "shuffle" and op.get("buffer_size") is None):
            elems = [r for r in elems if not isinstance(r, Bad)]  # SPEC §4.6: dropped where they fall
        if name == "map":
            f = builtin_map(op)
            elems = [r if isinstance(r, Bad) else each_leaf(r, op.get("on", "x"), f) for r in elems]
        elif name == "filter":
            f = builtin_filter(op)
            elems, idx = [r for r in elems if f(r)], False
        elif name == "shuffle":
            seed = op["seed"]
            if not isinstance(seed, int) or not 0 <= seed < 2**32:
                raise RefError("SF_SEED", str(seed))
            ep = epoch if op.get("reshuffle_each_iteration", True) else 0
            if op.get("buffer_size") is None:
                if not idx:
                    raise RefError("SF_SHUFFLE_BUFFER", "stream")
                elems = [elems[permute(i, len(elems), seed, ep)] for i in range(len(elems))]
            else:
                elems, idx = buffer_shuffle(elems, op["buffer_size"], seed, ep), False
        elif name == "batch":
            b = op["batch_size"]
            if b < 1:
                raise RefError("SF_ARG", "batch_size")
            groups = [elems[i:i + b] for i in range(0, len(elems), b)]
            if op.get("drop_remainder") and groups and len(groups[-1]) < b:
                groups.pop()
            elems, idx = [stack(g) for g in groups], False
        elif name == "take":
            c = op["count"]
            elems, idx = (elems if c == -1 else elems[:c]), idx and not lossy
        elif name == "skip":
            elems, idx = elems[op["count"]:], idx and not lossy
        elif name == "repeat":
            c = op["count"]
            # re-run everything before this op with the epochs of SPEC §1.7
            spec, base = base_source
            prefix = dict(spec, ops=spec["ops"][:k])
            out = []
            for r in range(c):
                out += run(prefix, base, (epoch * c + r) % 2**32)[0]
            elems, idx = out, False
        elif name == "prefetch":
            pass
        else:
            raise KeyError(name)
    return elems, idx


# ---------------------------------------------------------------- vectors (§1)
def vectors():
    xs = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xDEADBEEF, 12345]
    prng = {
        "mix32": [[x, mix32(x)] for x in xs],
        "combine": [[h, v, combine(h, v)] for h in (0, 7, 0xFFFFFFFF) for v in (0, 1, 0x73687566)],
        "next_u32": [], "below": [], "uniform": [],
    }
    for seed in (0, 1, 42, 0xFFFFFFFF):
        g = Xoshiro(seed)
        prng["next_u32"].append({"seed": seed, "values": [g.next_u32() for _ in range(16)]})
    for seed, n in ((0, 1), (1, 10), (42, 3), (7, 1000003), (9, 2**31 + 1), (11, 2**32)):
        g = Xoshiro(seed)
        prng["below"].append({"seed": seed, "n": n, "values": [g.below(n) for _ in range(16)]})
    for seed in (0, 5):
        g = Xoshiro(seed)
        prng["uniform"].append({"seed": seed, "values": [g.uniform() for _ in range(8)]})
    perm = {"cases": []}
    for n in (1, 2, 3, 4, 5, 10, 16, 17, 100, 257):
        for seed, epoch in ((0, 0), (7, 0), (7, 1), (0xFFFFFFFF, 12)):
            perm["cases"].append({"n": n, "seed": seed, "epoch": epoch,
                                  "order": [permute(i, n, seed, epoch) for i in range(n)]})
    for n in (1000003, 2**31, 2**32):
        for seed, epoch in ((3, 0), (3, 4)):
            idx = sorted({0, 1, n - 1} | {Xoshiro(n % 97 + epoch).below(n) for _ in range(3)}
                         | {(i * 2654435761) % n for i in range(1, 12)})
            perm["cases"].append({"n": n, "seed": seed, "epoch": epoch,
                                  "samples": [[i, permute(i, n, seed, epoch)] for i in idx]})
    shuf = {"cases": []}
    for n, b, seed, epoch in ((10, 1, 0, 0), (10, 4, 7, 0), (10, 4, 7, 1), (50, 10, 123, 0),
                              (20, 100, 3, 2), (1, 5, 0, 0), (0, 3, 1, 0), (200, 16, 0xFFFFFFFF, 9)):
        shuf["cases"].append({"n": n, "buffer_size": b, "seed": seed, "epoch": epoch,
                              "order": buffer_shuffle(list(range(n)), b, seed, epoch)})
    # numpy's own legacy RandomState is the reference for split_mode "keras" (SPEC §1.8)
    legacy = {"mt19937": [], "shuffle": []}
    for seed in (0, 1, 5489, 0xFFFFFFFF):
        st = np.random.RandomState(seed)
        legacy["mt19937"].append({"seed": seed, "values": [int(v) for v in st.randint(0, 2**32, size=8,
                                                                                        dtype=np.uint64)]})
    for n, seed in ((1, 0), (2, 0), (5, 1337), (10, 42), (100, 123), (257, 2**32 - 1), (1000, 7)):
        order = np.arange(n)
        np.random.RandomState(seed).shuffle(order)
        legacy["shuffle"].append({"n": n, "seed": seed, "order": order.tolist()})
    for n, seed in ((100000, 1337), (2**20 + 3, 99)):
        order = np.arange(n, dtype="<u4")
        np.random.RandomState(seed).shuffle(order)
        legacy["shuffle"].append({"n": n, "seed": seed, "head": order[:8].tolist(),
                                  "sha256_u32le": hashlib.sha256(order.tobytes()).hexdigest()})
    return {"prng.json": prng, "permute.json": perm, "buffer_shuffle.json": shuf, "numpy_legacy.json": legacy}


class quiet_native_stderr:
    """libpng/libjpeg print "Input file read error" on fd 2 for the corrupt fixtures on purpose;
    keep `make test` output clean (Python exceptions still surface after the block)."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)

    def __exit__(self, *exc):
        os.dup2(self.saved, 2)
        os.close(self.saved)


def pack_files():
    """shared_fixtures/packs/<name>/...: packs written by the reference writer (SPEC §9),
    plus damaged copies for the error cases. {relative path: bytes}."""
    import tempfile

    out = {}
    for name, case in PACKS:
        base = os.path.join(FIX, "cases", "pack")
        elems, _, counts = run(case["spec"], base, 0)
        key = refpack.pack_key(case["summary"], case["key"], case["shard_bytes"], case["variable"])
        with tempfile.TemporaryDirectory() as tmp:
            refpack.write_pack(tmp, elems, key, case["shard_bytes"], case["variable"],
                               {"language": "reference", "pipeline": case["summary"], "spec": None}, counts)
            for f in sorted(os.listdir(tmp)):
                out[f"packs/{name}/{f}"] = open(os.path.join(tmp, f), "rb").read()
    good = {k.split("/")[-1]: v for k, v in out.items() if k.startswith("packs/images16/")}
    shard1 = bytearray(good["shard-00001.safetensors"])
    shard1[-5] ^= 0x01  # one pixel bit flipped
    damaged = {
        "tampered": dict(good, **{"shard-00001.safetensors": bytes(shard1)}),
        "truncated": dict(good, **{"shard-00001.safetensors": good["shard-00001.safetensors"][:-10]}),
        "unfinished": {"shard-00000.safetensors": good["shard-00000.safetensors"],
                       "shard-00001.safetensors.tmp": good["shard-00001.safetensors"][:100]},
        "bad_version": dict(good, **{"index.json": good["index.json"].replace(b'"version": 1', b'"version": 2')}),
    }
    for name, files in damaged.items():
        for f, data in files.items():
            out[f"packs/{name}/{f}"] = data
    return out


def pack_case_files():
    """cases/pack/<name>.json: packing `spec` with `key`, `shard_bytes`, `variable` must give
    exactly the shard files of `pack` (SPEC §9), and an index equal but for `producer`."""
    out = {}
    for name, case in PACKS:
        out[f"cases/pack/{name}.json"] = dict(case, name=name, pack=f"../../packs/{name}")
    return out


def case_files():
    out = {}
    for group, name, case in CASES:
        base = os.path.join(FIX, "cases", group)
        case = dict(case, name=name)
        if case["expect"] == "error":
            try:
                run(case["spec"], base, 0)
            except RefError as e:
                if e.code != case["error"]["code"]:
                    raise SystemExit(f"{group}/{name}: reference raised {e.code}, case says {case['error']['code']}")
            except KeyError:
                pass  # spec-level errors (unknown key/op) are not modelled by the reference
            else:
                if case["error"]["code"] not in ("SF_SPEC", "SF_ARG"):
                    raise SystemExit(f"{group}/{name}: reference raised nothing")
        else:
            exp, skipped = {}, {}
            for e in case["epochs"]:
                elems, _, counts = run(case["spec"], base, e)
                exp[str(e)] = [values(x) if case["expect"] == "values" else digest(x) for x in elems]
                skipped[str(e)] = counts
            case["expected"] = exp
            if case.pop("check_skipped", False):
                case["skipped"] = skipped
        out[f"cases/{group}/{name}.json"] = case
    out.update(pack_case_files())
    return out


def render(obj):
    return json.dumps(obj, indent=1, sort_keys=False) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    files = {f"vectors/{k}": v for k, v in vectors().items()}
    with quiet_native_stderr():
        packs = pack_files()
        if not args.check:  # the packed-source cases read these files
            for rel, data in packs.items():
                os.makedirs(os.path.dirname(os.path.join(FIX, rel)), exist_ok=True)
                with open(os.path.join(FIX, rel), "wb") as f:
                    f.write(data)
        cases = case_files()
    files.update(packs)
    files.update(cases)
    stale = []
    for rel, obj in files.items():
        path = os.path.join(FIX, rel)
        text = obj if isinstance(obj, bytes) else render(obj).encode()
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old != text:
            stale.append(rel)
            if not args.check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(text)
    known = set(files)
    extra = [os.path.relpath(os.path.join(d, f), FIX) for top in ("cases", "packs")
             for d, _, fs in os.walk(os.path.join(FIX, top))
             for f in fs if os.path.relpath(os.path.join(d, f), FIX) not in known]
    if args.check:
        if stale or extra:
            print("golden fixtures are stale; run `make golden`:", *(stale + extra), sep="\n  ")
            return 1
        print(f"golden fixtures current ({len(files)} files)")
        return 0
    for rel in extra:
        os.remove(os.path.join(FIX, rel))
    print(f"wrote {len(stale)} of {len(files)} golden files; removed {len(extra)} stale")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
