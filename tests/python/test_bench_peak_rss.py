"""The benchmarks' peak RSS of a child is the child's own (bench/run.py run_child, bench/peak_rss.py).

Linux keeps a process's peak RSS across exec, so wait4 in a process that once held a lot floors
every child it starts at that figure: the memory proof read 72/80 MB for two Python sources whose
own peaks were 56 and 65 MB.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import run  # noqa: E402


def test_a_child_peak_is_not_floored_by_the_parent():
    held = np.ones(300 << 20, np.uint8)  # this process's peak RSS is now over 300 MB
    try:
        _, small = run.run_child([sys.executable, "-S", "-c", "print('ok')"])
        out, big = run.run_child([sys.executable, "-S", "-c",
                                  "b = bytearray(120 << 20); print(len(b))"])
    finally:
        del held
    assert small < 60, small
    assert out.strip() == str(120 << 20)
    assert 120 <= big < 250, big
