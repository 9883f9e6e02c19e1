#!/usr/bin/env python3
"""Run one command and write its wall-clock seconds, measured around that process alone.

    timed_run.py SECONDS_FILE LIMIT -- COMMAND [ARG...]

The command keeps the caller's standard input, output and error. Its time, from just
before it is started to just after it has ended, goes to SECONDS_FILE (to 0.1 ms). After
LIMIT seconds it is sent SIGTERM (FET then writes what it has and stops), and SIGKILL a
minute later; the exit status is then 124, as `timeout`'s, else the command's own.

Why not `timeout` and `date` in the shell: each of those is a process of its own, started
inside the measured interval, and their start-up (about 4.5 ms in all on the benchmark
machine) was counted in every run of either tool, most of the time of the smallest files.
Here the interpreter has started before the clock is read, and the command is spawned
directly from it.
"""

import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 5 or argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    seconds_file, limit, command = argv[1], float(argv[2]), argv[4:]
    # The limit is an alarm, so that the wait below blocks until the command ends: a
    # wait with a timeout polls, and its sleeps were counted in the command's time.
    state = {"child": None, "timed_out": False}

    def on_alarm(_signum, _frame):
        child = state["child"]
        if child is None:
            return
        if not state["timed_out"]:
            state["timed_out"] = True
            child.send_signal(signal.SIGTERM)
            signal.setitimer(signal.ITIMER_REAL, 60)
        else:
            child.kill()

    signal.signal(signal.SIGALRM, on_alarm)
    start = time.perf_counter()
    state["child"] = child = subprocess.Popen(command, close_fds=False)
    signal.setitimer(signal.ITIMER_REAL, limit)
    status = child.wait()
    signal.setitimer(signal.ITIMER_REAL, 0)
    timed_out = state["timed_out"]
    elapsed = time.perf_counter() - start
    with open(seconds_file, "w", encoding="utf-8") as out:
        out.write(f"{elapsed:.4f}\n")
    if timed_out:
        return 124
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
