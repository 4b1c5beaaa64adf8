"""The benchmark suite's data, generated here (no download): `python bench/suite_data.py OUT_DIR`.

OUT_DIR/flat/     N noisy size x size JPEG pictures of circles, squares and triangles, the class in
                  the file name (circle_00001.jpg): the seeds' flat folder
OUT_DIR/classes/  the same files as class folders (classes/circle/circle_00001.jpg, hard links):
                  the layout keras.utils.image_dataset_from_directory reads
OUT_DIR/pairs/    with --pairs N: time1/, time2/ (RGB JPEG) and label/ (grayscale PNG masks),
                  matched by stem (p_00001.jpg / p_00001.png): paired folders
OUT_DIR/xy.csv    ROWS rows of `x,y` (header `x,y`), y = 2x + 1 + noise
Idempotent: a finished run leaves OUT_DIR/.done with its parameters and is skipped next time;
a run with other parameters starts OUT_DIR's generated parts afresh (this is our own output).
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from make_fixture_data import encode, shape_image  # noqa: E402
from refrng import Xoshiro  # noqa: E402

KINDS = ["circle", "square", "triangle"]


def write_csv(path, rows, seed=7, chunk=1_000_000):
    """`x,y` rows in chunks (10M rows take seconds, not minutes)."""
    rng = np.random.Generator(np.random.PCG64(seed))  # benchmark data only: no ordering depends on it
    with open(path + ".tmp", "w") as f:
        f.write("x,y\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            x = rng.uniform(-2, 2, n)
            y = 2 * x + 1 + rng.uniform(-0.1, 0.1, n)
            np.savetxt(f, np.column_stack([x, y]), fmt="%.6f", delimiter=",")
    os.replace(path + ".tmp", path)


def write_images(out, images, size):
    g = Xoshiro(7)
    flat = os.path.join(out, "flat")
    classes = os.path.join(out, "classes")
    for d in [flat] + [os.path.join(classes, k) for k in KINDS]:
        os.makedirs(d, exist_ok=True)
    for i in range(images):
        kind = KINDS[g.below(3)]
        name = f"{kind}_{i:05d}.jpg"
        path = os.path.join(flat, name)
        with open(path, "wb") as f:
            f.write(encode(shape_image(g, kind, size, size), "JPEG"))
        os.link(path, os.path.join(classes, kind, name))


def write_pairs(out, pairs, size):
    from PIL import Image

    g = Xoshiro(11)
    dirs = {k: os.path.join(out, "pairs", k) for k in ("time1", "time2", "label")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    for i in range(pairs):
        kind = KINDS[g.below(3)]
        for t in ("time1", "time2"):
            with open(os.path.join(dirs[t], f"p_{i:05d}.jpg"), "wb") as f:
                f.write(encode(shape_image(g, kind, size, size), "JPEG"))
        mask = Image.new("L", (size, size), 0)
        mask.paste(255, (size // 4, size // 4, size // 2 + g.below(size // 4), size // 2))
        with open(os.path.join(dirs["label"], f"p_{i:05d}.png"), "wb") as f:
            f.write(encode(mask, "PNG"))


def generate(out, images=0, size=128, rows=0, pairs=0):
    """Make OUT's data unless a finished run with these parameters is there; returns OUT."""
    params = {"images": images, "size": size, "rows": rows, "pairs": pairs, "version": 1}
    done = os.path.join(out, ".done")
    if os.path.exists(done) and json.load(open(done)) == params:
        return out
    for part in ("flat", "classes", "pairs", "xy.csv", ".done"):
        p = os.path.join(out, part)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    os.makedirs(out, exist_ok=True)
    if images:
        write_images(out, images, size)
    if pairs:
        write_pairs(out, pairs, size)
    if rows:
        write_csv(os.path.join(out, "xy.csv"), rows)
    with open(done, "w") as f:
        json.dump(params, f)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=0)
    a = ap.parse_args()
    generate(a.out, a.images, a.size, a.rows, a.pairs)
    print(f"data in {a.out}: {a.images} images {a.size}x{a.size}, {a.pairs} pairs, {a.rows} CSV rows")


if __name__ == "__main__":
    main()
