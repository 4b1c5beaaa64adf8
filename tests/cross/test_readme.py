"""Every Python and JavaScript example in the README runs as written.

The first example of each language builds the same CSV and image pipelines;
both end by printing the image pipeline's cardinality and first-batch digest,
so those lines must be equal. The later examples print only
language-neutral lines, so their whole output must be equal.
"""
import os
import re
import subprocess
import sys

import pytest

from test_cross import ENV, ROOT, node

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
BLOCKS = {lang: re.findall(rf"^```{lang}\n(.*?)^```$", README, re.M | re.S) for lang in ("python", "js")}


def run_example(lang, k):
    path = os.path.join(ROOT, f"_readme_example_{k}." + ("py" if lang == "python" else "mjs"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(BLOCKS[lang][k])
    try:
        cmd = [sys.executable if lang == "python" else node(), path]
        p = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    finally:
        os.remove(path)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout.strip().splitlines()


def test_both_languages_have_the_same_number_of_examples():
    assert len(BLOCKS["python"]) == len(BLOCKS["js"]) >= 2


@pytest.mark.parametrize("k", range(len(BLOCKS["python"])))
def test_readme_example_runs_and_agrees(k):
    py, js = run_example("python", k), run_example("js", k)
    assert py[0] == js[0], (py[0], js[0])  # the summary line
    if k == 0:
        assert py[0] == "csv(xy.csv) -> shuffle(buffer=200, seed=7) -> batch(50) -> prefetch(2)"
        assert re.fullmatch(r"4 [0-9a-f]{64}", py[-1]), py[-1]
        assert py[-1] == js[-1]
    else:
        assert py == js  # every line: written to print the same thing in both languages
