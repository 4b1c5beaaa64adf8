"""Write the small committed data files under shared_fixtures/data/.

Run once by hand (`python tools/make_fixture_data.py`); the output is committed
so that image encoder versions cannot change the bytes the golden digests were
computed from. Total size stays well under 1 MB.
"""
import io
import os
import sys

from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(__file__))
from refrng import Xoshiro  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "shared_fixtures", "data")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def shape_image(g, kind, w, h, mode="RGB"):
    """A noisy picture of a circle, square or triangle."""
    bg = tuple(g.below(90) for _ in range(3))
    fg = tuple(150 + g.below(106) for _ in range(3))
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    s = min(w, h)
    r = s // 4 + g.below(max(1, s // 6))
    cx, cy = w // 2 + g.below(5) - 2, h // 2 + g.below(5) - 2
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif kind == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fg)
    else:
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fg)
    px = im.load()
    for _ in range(w * h // 8):
        x, y = g.below(w), g.below(h)
        px[x, y] = tuple(g.below(256) for _ in range(3))
    return im.convert(mode) if mode != "RGB" else im


def encode(im, fmt):
    b = io.BytesIO()
    kw = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    im.save(b, fmt, **kw)
    return b.getvalue()


def images():
    g = Xoshiro(2024)
    kinds = ["circle", "square", "triangle"]
    fmts = [("JPEG", "jpg"), ("PNG", "png"), ("BMP", "bmp"), ("GIF", "gif"), ("WEBP", "webp")]
    sizes = [(24, 24), (20, 28), (32, 16)]
    for i in range(30):
        kind = kinds[i % 3]
        fmt, ext = fmts[(i // 3) % 5]
        w, h = sizes[i % len(sizes)]
        write(f"{ROOT}/images/{kind}_{i:04d}.{ext}", encode(shape_image(g, kind, w, h), fmt))
    # Same-size images (no resize needed to batch them), plus a non-image file and a dotfile
    for i in range(8):
        kind = kinds[i % 3]
        fmt, ext = fmts[i % 5]
        write(f"{ROOT}/images_same_size/{kind}_{i:04d}.{ext}", encode(shape_image(g, kind, 16, 16), fmt))
    write(f"{ROOT}/images_same_size/README.txt", b"not an image: ignored by the listing\n")
    write(f"{ROOT}/images_same_size/.hidden_0001.png", encode(shape_image(g, "circle", 16, 16), "PNG"))
    # Bad folders for error tests
    write(f"{ROOT}/images_bad_name/cat_0001.png", encode(shape_image(g, "circle", 8, 8), "PNG"))
    write(f"{ROOT}/images_bad_name/nolabel.png", encode(shape_image(g, "square", 8, 8), "PNG"))
    write(f"{ROOT}/images_bad_decode/cat_0001.png", encode(shape_image(g, "circle", 8, 8), "PNG"))
    write(f"{ROOT}/images_bad_decode/cat_0002.jpg", b"\xff\xd8\xff\xe0 this is not really a jpeg")
    write(f"{ROOT}/images_empty/.keep", b"")


def class_folders():
    """Keras layout trees (SPEC §3.4): nested folders, mixed formats and sizes, walk-order traps."""
    g = Xoshiro(31)
    fmts = {"png": "PNG", "jpg": "JPEG", "bmp": "BMP", "gif": "GIF", "PNG": "PNG"}
    files = {
        "bird": ["b1.png", "b2.jpg", "sub/b3.bmp", "sub/deeper/b4.gif", "sub/b5.png"],
        # cat and dog hold only PNG/JPEG so that grayscale (DecodeImage channels=1) works on them
        "cat": ["c1.png", "c2.jpg", "C3.PNG", "c4.png", "z/c5.jpg", "c6.jpg"],
        # folder order by full path: dog, dog/a, dog/a b, dog/a/z (' ' < '/')
        "dog": ["d1.jpg", "a/d2.png", "a b/d3.png", "a/z/d4.jpg", "d5.png", "a/d6.jpg"],
    }
    sizes = [(24, 16), (16, 24), (20, 20), (30, 18), (17, 23)]
    k = 0
    for cls, names in files.items():
        for name in names:
            w, h = sizes[k % len(sizes)]
            k += 1
            kind = {"bird": "triangle", "cat": "circle", "dog": "square"}[cls]
            ext = name.rsplit(".", 1)[1]
            write(f"{ROOT}/classes/{cls}/{name}", encode(shape_image(g, kind, w, h), fmts[ext]))
    write(f"{ROOT}/classes/.hidden/ignored.png", encode(shape_image(g, "circle", 8, 8), "PNG"))
    write(f"{ROOT}/classes/dog/.DS_Store", b"dotfiles are ignored")
    # bad layouts
    write(f"{ROOT}/classes_empty_class/bird/b1.png", encode(shape_image(g, "triangle", 8, 8), "PNG"))
    write(f"{ROOT}/classes_empty_class/cat/.keep", b"")
    write(f"{ROOT}/classes_bad_ext/bird/b1.png", encode(shape_image(g, "triangle", 8, 8), "PNG"))
    write(f"{ROOT}/classes_bad_ext/bird/notes.txt", b"not an image")
    write(f"{ROOT}/classes_bad_image/cat/c1.png", encode(shape_image(g, "circle", 8, 8), "PNG"))
    write(f"{ROOT}/classes_bad_image/cat/c2.png", b"\x89PNG\r\n\x1a\n broken")


def mask_image(g, w, h):
    """A 0/255 change mask."""
    im = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(im)
    x0, y0 = g.below(w // 2), g.below(h // 2)
    d.rectangle([x0, y0, x0 + w // 3, y0 + h // 3], fill=255)
    return im


def paired_folders():
    """time1/, time2/, label/ trees (SPEC §3.5), matched by stem, not by position."""
    g = Xoshiro(77)
    # time2 uses other extensions for some stems, and "b10" sorts before "b2" by bytes
    stems = ["a1", "a2", "b10", "b2", "c"]
    ext1 = {"a1": "png", "a2": "jpg", "b10": "png", "b2": "bmp", "c": "webp"}
    ext2 = {"a1": "jpg", "a2": "png", "b10": "png", "b2": "png", "c": "gif"}
    fmts = {"png": "PNG", "jpg": "JPEG", "bmp": "BMP", "webp": "WEBP", "gif": "GIF"}
    for k, stem in enumerate(stems):
        w, h = (12, 10) if k % 2 else (10, 12)
        for folder, ext in (("time1", ext1[stem]), ("time2", ext2[stem])):
            im = shape_image(g, ("circle", "square")[k % 2], w, h)
            write(f"{ROOT}/pairs/{folder}/{stem}.{ext}", encode(im, fmts[ext]))
        write(f"{ROOT}/pairs/label/{stem}.png", encode(mask_image(g, w, h), "PNG"))
    write(f"{ROOT}/pairs/label/.DS_Store", b"ignored")
    # bad layouts
    for stem in ("x1", "x2"):
        write(f"{ROOT}/pairs_missing/time1/{stem}.png", encode(shape_image(g, "circle", 6, 6), "PNG"))
        write(f"{ROOT}/pairs_missing/label/{stem}.png", encode(mask_image(g, 6, 6), "PNG"))
    write(f"{ROOT}/pairs_missing/time2/x1.png", encode(shape_image(g, "circle", 6, 6), "PNG"))
    write(f"{ROOT}/pairs_duplicate/time1/x1.png", encode(shape_image(g, "circle", 6, 6), "PNG"))
    write(f"{ROOT}/pairs_duplicate/time2/x1.png", encode(shape_image(g, "circle", 6, 6), "PNG"))
    write(f"{ROOT}/pairs_duplicate/time2/x1.jpg", encode(shape_image(g, "circle", 6, 6), "JPEG"))
    write(f"{ROOT}/pairs_duplicate/label/x1.png", encode(mask_image(g, 6, 6), "PNG"))
    for folder in ("time1", "time2", "label"):  # dot-named images are data (SPEC §3.5)
        for stem in ("a", ".b"):
            im = mask_image(g, 6, 5) if folder == "label" else shape_image(g, "square", 6, 5)
            write(f"{ROOT}/pairs_dotname/{folder}/{stem}.png", encode(im, "PNG"))
    write(f"{ROOT}/pairs_dotname/time2/.DS_Store", b"ignored")


def fmt_num(g, v):
    forms = ["%.6g", "%.9g", "%+.4f", "%.3e", "%.5g"]
    return forms[g.below(len(forms))] % v


def csvs():
    g = Xoshiro(99)
    rows = ["x,y"]
    for _ in range(1000):
        x = g.uniform() * 4 - 2
        y = 2 * x + 1 + (g.uniform() - 0.5) * 0.2
        rows.append(f"{fmt_num(g, x)},{fmt_num(g, y)}")
    write(f"{ROOT}/xy.csv", ("\n".join(rows) + "\n").encode())

    rows = ["id,name,a,b,c,label"]
    specials = [" 1.5", "+2", ".5", "5.", "-0", "1e-3", "2E+2", "  -3.25 ", "\t7"]
    for i in range(200):
        vals = []
        for _ in range(3):
            if g.below(8) == 0:
                vals.append(specials[g.below(len(specials))])
            else:
                vals.append(fmt_num(g, (g.uniform() - 0.5) * 100))
        rows.append(f"{i},item{i},{vals[0]},{vals[1]},{vals[2]},{g.below(3)}")
    write(f"{ROOT}/wide.csv", ("\n".join(rows) + "\n").encode())

    rows = []
    for i in range(50):
        rows.append(",".join(fmt_num(g, g.uniform() * 10) for _ in range(3)))
    write(f"{ROOT}/noheader_crlf_bom.csv", b"\xef\xbb\xbf" + "\r\n".join(rows).encode())

    write(f"{ROOT}/specials.csv", b"a,b\nnan,1\ninf,2\n-Infinity,3\nNaN,4\n1e39,5\n1e-50,6\n0.1,7\n-nan,8\n-0,9\n")
    write(f"{ROOT}/bad_columns.csv", b"a,b\n1,2\n3,4\n5,6,7\n8,9\n")
    write(f"{ROOT}/bad_number.csv", b"a,b\n1,2\n3,abc\n5,6\n")
    write(f"{ROOT}/bad_number_hex.csv", b"a,b\n1,2\n0x10,3\n")
    write(f"{ROOT}/bad_number_empty_field.csv", b"a,b\n1,2\n3,\n")
    write(f"{ROOT}/empty_line.csv", b"a,b\n1,2\n3,4\n5,6\n\n7,8\n")
    write(f"{ROOT}/bad_int.csv", b"a,label\n1,2\n3,1.5\n")
    write(f"{ROOT}/header_only.csv", b"a,b\n")
    write(f"{ROOT}/empty.csv", b"")
    write(f"{ROOT}/bom_only.csv", b"\xef\xbb\xbf")


def messy():
    """Data with bad records for the on_error policy (SPEC §4.6): every kind of
    bad record each source can skip, between good ones."""
    g = Xoshiro(4242)
    png = lambda kind, mode="RGB": encode(shape_image(g, kind, 8, 8, mode), "PNG")
    jpg = lambda kind: encode(shape_image(g, kind, 8, 8), "JPEG")
    broken_png = b"\x89PNG\r\n\x1a\n truncated"
    broken_jpg = b"\xff\xd8\xff\xe0 not really a jpeg"
    # image_folder: a corrupt JPEG, a truncated PNG, a name without a label, a class left out
    d = f"{ROOT}/images_messy"
    write(f"{d}/circle_0001.png", png("circle"))
    write(f"{d}/square_0002.jpg", jpg("square"))
    write(f"{d}/circle_0003.jpg", broken_jpg)
    write(f"{d}/nolabel.png", png("square"))
    write(f"{d}/circle_0004.bmp", encode(shape_image(g, "circle", 8, 8), "BMP"))
    write(f"{d}/square_0005.png", broken_png)
    write(f"{d}/triangle_0006.png", png("triangle"))
    write(f"{d}/square_0007.gif", encode(shape_image(g, "square", 8, 8), "GIF"))
    write(f"{d}/triangle_0008.jpg", jpg("triangle"))
    # class_folder: unknown extensions, a dotfile, corrupt images, a nested folder
    d = f"{ROOT}/classes_messy"
    write(f"{d}/cat/c1.png", png("circle"))
    write(f"{d}/cat/c2.png", broken_png)
    write(f"{d}/cat/notes.txt", b"not an image")
    write(f"{d}/cat/.DS_Store", b"ignored")
    write(f"{d}/cat/c3.jpg", jpg("circle"))
    write(f"{d}/cat/c4.png", png("circle"))
    write(f"{d}/dog/d1.jpg", jpg("square"))
    write(f"{d}/dog/d2.png", png("square"))
    write(f"{d}/dog/sub/readme.md", b"# not an image")
    write(f"{d}/dog/sub/d3.png", png("square"))
    write(f"{d}/dog/d4.jpg", broken_jpg)
    write(f"{d}/dog/d5.png", png("square"))
    # paired_folders: a good pair a/b/g, a corrupt partner (c), a missing partner (d, f),
    # a stem twice in one folder (e), a stray file and a sub-folder
    d = f"{ROOT}/pairs_messy"
    for stem in ("a", "b", "c", "d", "e", "g"):
        write(f"{d}/time1/{stem}.png", png("circle"))
    write(f"{d}/time1/notes.txt", b"stray")
    for stem in ("a", "b", "e", "g"):
        write(f"{d}/time2/{stem}.png", png("square"))
    write(f"{d}/time2/e.jpg", jpg("square"))
    write(f"{d}/time2/c.png", broken_png)
    write(f"{d}/time2/.DS_Store", b"ignored")
    for stem in ("a", "b", "c", "d", "e", "f", "g"):
        write(f"{d}/label/{stem}.png", encode(mask_image(g, 8, 8), "PNG"))
    write(f"{d}/label/sub/x.png", encode(mask_image(g, 8, 8), "PNG"))
    # CSV: each kind of bad line once or twice, between good ones
    write(f"{ROOT}/messy.csv", b"x,y\n1,2\n3,abc\n5,6\n7,8,9\n\n10,11\n12,0x1\n13,14\n-1.5,+2e1\n4\n")
    write(f"{ROOT}/messy_int.csv", b"a,label\n1,0\n2,1.5\n3,2\n4,99999999999\n5,1\n6,\n7,0\n")
    write(f"{ROOT}/all_bad.csv", b"a,b\n1,x\n2\n\n3,4,5\n")


if __name__ == "__main__":
    images()
    class_folders()
    paired_folders()
    csvs()
    messy()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote fixture data under {os.path.normpath(ROOT)}: {total} bytes")
