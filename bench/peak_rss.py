"""`python -S bench/peak_rss.py CMD...`: run CMD, then print its peak RSS in KiB on stderr's last line.

Linux keeps a process's peak RSS across exec, and a child made by vfork (Python's subprocess)
starts from its parent's: `/bin/true` run from a process that once held 225 MB reports 225 MB.
So wait4 in the benchmark itself reported at least the benchmark's own peak (80 MB after it made
the 10x data) for every child. This launcher is small (~5 MB, no site imports): CMD's peak is its
own unless it is below that. CMD's stdout, stderr and exit status pass through.
"""
import os
import sys


def main():
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    sys.stderr.write(f"\npeak_rss_kib {usage.ru_maxrss}\n")
    sys.stderr.flush()
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
