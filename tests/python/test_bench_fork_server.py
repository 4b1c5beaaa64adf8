"""bench/fork_server.py through run.ForkServer: the suite's Python contenders forked after the imports
they all share. A child runs its script as __main__ with its own argv, output and exit status, and
its peak RSS is its own (a child that allocates 200 MB more reads at least that much more)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import run  # noqa: E402

SCRIPT = '''
import sys
import helper  # found in the script's own folder, as `python SCRIPT` finds it
if sys.argv[1] == "fail":
    print("bad input in " + sys.argv[2], file=sys.stderr)
    sys.exit(3)
extra = bytearray(int(sys.argv[2]) << 20)
for i in range(0, len(extra), 4096):
    extra[i] = 1
print(__name__, sys.argv[1:], helper.VALUE)
'''


@pytest.fixture(scope="module")
def server():
    s = run.ForkServer()
    yield s
    s.close()


@pytest.fixture
def script(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    path = tmp_path / "child.py"
    path.write_text(SCRIPT)
    return str(path)


def test_a_child_runs_its_script_as_main_with_its_own_argv(server, script):
    out, _ = server.run([run.PY, script, "ok", "0"])
    assert out.strip() == "__main__ ['ok', '0'] 42"
    out, _ = server.run([run.PY, script, "again", "0"])  # the server serves one child after another
    assert out.strip() == "__main__ ['again', '0'] 42"


def test_a_failing_child_raises_with_its_stderr_and_status(server, script):
    with pytest.raises(SystemExit, match=r"exit status 3\)[\s\S]*bad input in spec\.json"):
        server.run([run.PY, script, "fail", "spec.json"])


def test_a_child_peak_rss_is_its_own(server, script):
    _, small = server.run([run.PY, script, "ok", "0"])
    _, big = server.run([run.PY, script, "ok", "200"])
    assert big - small >= 190, (small, big)


def test_only_python_scripts_are_forked(server):
    with pytest.raises(ValueError, match="runs Python scripts"):
        server.run(["node", "x.mjs"])
