"""Generate the built-in demo data set (no download): `python tools/make_demo_data.py OUT_DIR`.

OUT_DIR/shapes/  : N noisy 32x32 pictures of circles, squares and triangles,
                   half JPEG, half WebP, the class in the file name (circle_00001.jpg)
OUT_DIR/xy.csv   : ROWS rows of `x,y` with y = 2x + 1 + noise
Idempotent: a finished run leaves OUT_DIR/.done with its parameters and is skipped next time.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from make_fixture_data import encode, shape_image  # noqa: E402
from refrng import Xoshiro  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=3000)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--size", type=int, default=32)
    args = ap.parse_args()
    params = {"images": args.images, "rows": args.rows, "size": args.size, "version": 1}
    done = os.path.join(args.out, ".done")
    if os.path.exists(done) and json.load(open(done)) == params:
        print(f"demo data already in {args.out}")
        return
    g = Xoshiro(7)
    kinds = ["circle", "square", "triangle"]
    shapes = os.path.join(args.out, "shapes")
    os.makedirs(shapes, exist_ok=True)
    for i in range(args.images):
        kind = kinds[g.below(3)]
        fmt, ext = (("JPEG", "jpg"), ("WEBP", "webp"))[i % 2]
        with open(os.path.join(shapes, f"{kind}_{i:05d}.{ext}"), "wb") as f:
            f.write(encode(shape_image(g, kind, args.size, args.size), fmt))
    with open(os.path.join(args.out, "xy.csv"), "w") as f:
        f.write("x,y\n")
        for _ in range(args.rows):
            x = g.uniform() * 4 - 2
            f.write(f"{x:.6f},{2 * x + 1 + (g.uniform() - 0.5) * 0.2:.6f}\n")
    with open(done, "w") as f:
        json.dump(params, f)
    print(f"wrote {args.images} images and {args.rows} CSV rows to {args.out}")


if __name__ == "__main__":
    main()
