"""The README's Python and JavaScript examples run as written and agree.

Both examples end by printing the cardinality and the digest of the first
batch of the same image pipeline, so their last lines must be equal.
"""
import os
import re
import subprocess
import sys

from test_cross import ENV, ROOT, node

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def block(lang):
    blocks = re.findall(rf"^```{lang}\n(.*?)^```$", README, re.M | re.S)
    assert len(blocks) == 1, f"expected one ```{lang} block in README.md"
    return blocks[0]


def run_example(cmd, path, code):
    with open(path, "w", encoding="utf-8") as f:
        f.write(code)
    try:
        p = subprocess.run(cmd + [path], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    finally:
        os.remove(path)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout.strip().splitlines()


def test_readme_examples_run_and_agree():
    py = run_example([sys.executable], os.path.join(ROOT, "_readme_example.py"), block("python"))
    js = run_example([node()], os.path.join(ROOT, "_readme_example.mjs"), block("js"))
    assert py[0] == js[0] == "csv(xy.csv) -> shuffle(buffer=200, seed=7) -> batch(50) -> prefetch(2)"
    assert re.fullmatch(r"4 [0-9a-f]{64}", py[-1]), py[-1]
    assert py[-1] == js[-1]
