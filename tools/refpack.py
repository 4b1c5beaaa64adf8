"""Reference writer and reader of the pack format (SPEC.md §9) and of the packed
source's orders (§3.7), for tools/make_golden.py. Plain and slow on purpose; shares
no code with python/streamfit or js/."""
import hashlib
import json
import os
import struct

import numpy as np

from refrng import TAG_SHRD, combine, permute

ST_DTYPE = {"uint8": "U8", "int32": "I32", "float32": "F32", "int64": "I64", "float64": "F64", "uint64": "U64"}
NP_DTYPE = {v: k for k, v in ST_DTYPE.items()}


def canonical(obj):
    # (SPEC §9.1 writes numbers as JavaScript does; the golden keys hold no floats, so
    # json.dumps's own number format gives the same text here)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pack_key(summary, spec, shard_bytes, variable):
    text = canonical({"pipeline": summary, "spec": spec, "shard_bytes": shard_bytes, "variable": list(variable)})
    return hashlib.sha256(text.encode()).hexdigest()


def leaves(tree):
    if isinstance(tree, tuple):
        return [x for t in tree for x in leaves(t)]
    if isinstance(tree, dict):
        return [x for k in sorted(tree, key=lambda k: k.encode()) for x in leaves(tree[k])]
    return [np.asarray(tree)]


def structure(tree, counter):
    if isinstance(tree, tuple):
        return [structure(t, counter) for t in tree]
    if isinstance(tree, dict):
        return {k: structure(tree[k], counter) for k in sorted(tree, key=lambda k: k.encode())}
    counter[0] += 1
    return str(counter[0] - 1)


def shard_bytes_of(record_leaves, variable):
    total = 0
    for k, a in enumerate(record_leaves):
        total += a.nbytes + (8 if str(k) in variable else 0)
    return total


def encode_shard(rows, fields, variable, meta):
    """safetensors bytes of one shard: rows = list of per-record leaf lists."""
    tensors = {}
    for k, f in enumerate(fields):
        name = f["name"]
        col = [r[k] for r in rows]
        if name in variable:
            offs = np.zeros(len(col) + 1, dtype="<u8")
            offs[1:] = np.cumsum([a.size for a in col])
            tensors[name + ".offsets"] = offs
            tensors[name + ".data"] = np.concatenate([a.reshape(-1) for a in col]).astype(f["dtype"])
        else:
            tensors[name] = np.stack(col).astype(np.dtype(f["dtype"]).newbyteorder("<"))
    order = sorted(tensors, key=lambda t: (-tensors[t].dtype.itemsize, t.encode()))
    header, pos, chunks = {"__metadata__": meta}, 0, []
    for t in order:
        a = np.ascontiguousarray(tensors[t])
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[t] = {"dtype": ST_DTYPE[a.dtype.name], "shape": list(a.shape), "data_offsets": [pos, pos + len(b)]}
        pos += len(b)
        chunks.append(b)
    h = canonical(header).encode()
    h += b" " * ((-(8 + len(h))) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def write_pack(out, records, key, shard_bytes, variable, producer, skipped):
    os.makedirs(out, exist_ok=True)
    first = records[0]
    struct_ = structure(first, [0])
    fl = leaves(first)
    fields = [{"name": str(k), "dtype": a.dtype.name, "shape": [None] if str(k) in variable else list(a.shape)}
              for k, a in enumerate(fl)]
    shards, rows, size, start = [], [], 0, 0

    def flush():
        nonlocal rows, size, start
        s = len(shards)
        meta = {"format": "streamfit-pack", "version": "1", "pack_key": key, "shard": str(s),
                "first_record": str(start), "records": str(len(rows))}
        data = encode_shard(rows, fields, variable, meta)
        name = f"shard-{s:05d}.safetensors"
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        shards.append({"file": name, "records": len(rows), "bytes": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()})
        start += len(rows)
        rows, size = [], 0

    for r in records:
        lv = leaves(r)
        rows.append(lv)
        size += shard_bytes_of(lv, variable)
        if size >= shard_bytes:
            flush()
    if rows:
        flush()
    index = {"format": "streamfit-pack", "version": 1, "pack_key": key, "structure": struct_, "fields": fields,
             "records": len(records), "shards": shards, "skipped": skipped, "producer": producer}
    with open(os.path.join(out, "index.json"), "w") as f:
        f.write(json.dumps(index, indent=1) + "\n")


def read_pack(path):
    """(records in stored order, per-shard record counts) read back from the files."""
    index = json.load(open(os.path.join(path, "index.json")))
    assert index["format"] == "streamfit-pack" and index["version"] == 1
    out, counts = [], []
    for sh in index["shards"]:
        data = open(os.path.join(path, sh["file"]), "rb").read()
        assert hashlib.sha256(data).hexdigest() == sh["sha256"]
        n = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + n])
        buf = data[8 + n:]

        def tensor(name):
            e = header[name]
            lo, hi = e["data_offsets"]
            return np.frombuffer(buf[lo:hi], dtype=np.dtype(NP_DTYPE[e["dtype"]]).newbyteorder("<")).reshape(e["shape"])

        c = sh["records"]
        cols = []
        for f in index["fields"]:
            if f["shape"] == [None]:
                offs, d = tensor(f["name"] + ".offsets"), tensor(f["name"] + ".data")
                cols.append([d[offs[k]:offs[k + 1]].astype(f["dtype"]) for k in range(c)])
            else:
                t = tensor(f["name"])
                cols.append([t[k].astype(f["dtype"]) for k in range(c)])
        for k in range(c):
            out.append(rebuild(index["structure"], {f["name"]: cols[j][k] for j, f in enumerate(index["fields"])}))
        counts.append(c)
    return out, counts


def rebuild(struct_, by_name):
    if isinstance(struct_, list):
        return tuple(rebuild(s, by_name) for s in struct_)
    if isinstance(struct_, dict):
        return {k: rebuild(v, by_name) for k, v in struct_.items()}
    return np.array(by_name[struct_])


def order(counts, how, seed, window, epoch):
    """Stored record index of each position of an epoch (SPEC §3.7)."""
    n = sum(counts)
    if how == "sequential":
        return list(range(n))
    if how == "global":
        return [permute(i, n, seed, epoch) for i in range(n)]
    k = combine(seed, TAG_SHRD)
    s_count = len(counts)
    starts = [sum(counts[:s]) for s in range(s_count)]
    o = [permute(j, s_count, k, epoch) for j in range(s_count)]
    out = []
    for w in range(0, (s_count + window - 1) // window):
        recs = [starts[s] + r for s in o[w * window:(w + 1) * window] for r in range(counts[s])]
        out += [recs[permute(j, len(recs), combine(k, w), epoch)] for j in range(len(recs))]
    return out
