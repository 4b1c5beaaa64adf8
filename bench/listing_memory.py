"""Peak memory of listing a huge class-folder tree (`python bench/listing_memory.py [N]`).

Makes N empty `.png` files (listing never opens them) in 10 class folders with
nested sub-folders under a temporary folder, then lists the tree with a
streamfit-side split in a fresh Python and a fresh Node process and prints
each one's peak RSS (from the OS, wait4) and time. The tree is deleted after.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
PY_CODE = """
import sys, time, streamfit as sf
t = time.perf_counter()
p = sf.class_folder(sys.argv[1], validation_split=0.2, subset="training", seed=1)
print(len(p), round(time.perf_counter() - t, 2))
"""
JS_CODE = """
import { classFolder } from '%s';
const t = performance.now();
const p = classFolder(process.argv[2], { validationSplit: 0.2, subset: 'training', seed: 1 });
console.log(p.cardinality(), ((performance.now() - t) / 1000).toFixed(2));
""" % os.path.join(ROOT, "js", "index.mjs")


def peak(cmd):
    with tempfile.TemporaryFile("w+") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
        out.seek(0)
        text = out.read().strip()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{cmd[0]} failed: {text[-2000:]}")
        return text.splitlines()[-1], usage.ru_maxrss / 1024


def main(n):
    tmp = tempfile.mkdtemp(prefix="sf-listing-")
    try:
        t = time.perf_counter()
        per_dir = 1000
        for k in range(n):
            d = os.path.join(tmp, f"class{k % 10}", f"part{(k // 10) // per_dir:04d}")
            if (k // 10) % per_dir == 0:
                os.makedirs(d, exist_ok=True)
            open(os.path.join(d, f"img_{k:08d}.png"), "wb").close()
        print(f"made {n} empty files in {time.perf_counter() - t:.1f} s")
        node = shutil.which("node") or os.path.join(ROOT, ".venv", "bin", "node")
        js = os.path.join(tmp, "list.mjs")
        with open(js, "w") as f:
            f.write(JS_CODE)
        rows = {}
        for lang, cmd in (("python", [sys.executable, "-c", PY_CODE, tmp]), ("node", [node, js, tmp])):
            out, rss = peak(cmd)
            count, seconds = out.split()
            rows[lang] = {"files": n, "training_records": int(count), "seconds": float(seconds), "peak_rss_mb": rss}
            print(f"{lang:<7} {n:>9} files -> {count} training records in {seconds} s, peak RSS {rss:,.0f} MB")
        print(json.dumps(rows))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
