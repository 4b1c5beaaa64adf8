"""Starts the suite's Python contenders in alone mode by fork, from one process that has imported
what they all import first (numpy, TensorFlow, Keras: ~3.7 s a process on this machine, ~2 minutes
of a 3-round suite). Each contender still runs in its own process, and its rate is timed inside it
after its imports, as before; only its wall time is shorter. Fit mode starts fresh processes
(bench/suite.py says why: Keras's per-step work ran slower in a forked child).

`python bench/fork_server.py` reads requests from stdin, one JSON line each:
    {"argv": ["SCRIPT.py", ARG...], "stdout": PATH, "stderr": PATH}
For each it forks a child that runs SCRIPT as `__main__` (sys.argv = argv, SCRIPT's folder first on
sys.path, stdin /dev/null, stdout and stderr to the files), waits for it and answers one JSON line:
    {"status": EXIT_CODE, "peak_rss_kib": N}
N is the child's own peak RSS from wait4. It counts the server's anonymous memory (a forked
child's page tables start with it) but not the library pages the child never touches: ~300 MB
where a fresh process that made the same imports reads ~570. The server stops at the end of stdin.
Its first line, once the imports are done, is `{"ready": true}`. Only numpy's OpenBLAS has a thread
at fork time (TensorFlow starts its own threads at its first op, in the child); OpenBLAS makes
itself safe to fork.
"""
import gc
import json
import os
import runpy
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy  # noqa: E402,F401
import keras  # noqa: E402,F401  (imports TensorFlow: Keras's backend)
import tensorflow  # noqa: E402,F401


def child(argv, stdout, stderr):
    """In the forked child: run argv[0] as __main__ with its output to the files; never returns."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for fd, path in ((1, stdout), (2, stderr)):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(f, fd)
            os.close(f)
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - reported on the child's stderr, as an uncaught error would be
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream has nothing left to flush
                pass
        os._exit(code)


def main():
    out = sys.stdout
    gc.freeze()  # the imported objects: a child's collections never touch (and copy) their pages
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        req = json.loads(line)
        out.flush()  # nothing buffered is written twice (once by the child)
        pid = os.fork()
        if pid == 0:
            child(req["argv"], req["stdout"], req["stderr"])
        _, status, usage = os.wait4(pid, 0)
        out.write(json.dumps({"status": os.waitstatus_to_exitcode(status), "peak_rss_kib": usage.ru_maxrss}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
