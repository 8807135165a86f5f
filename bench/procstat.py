"""CPU seconds of process trees and of the whole machine, read from /proc (Linux), and py-spy's
profiles summarised.

The benchmarks run on a 2-core machine shared with other work, so requests per second
alone say little: they also report who used the CPU during a run (the server, the load
generator, our PostgreSQL backends, everybody else). Reading /proc directly keeps the
bench free of extra packages.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces: split after it.
    return raw[raw.rindex(")") + 2 :].split()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), 0 if it is gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # After the name: state, ppid, … utime is field 14 and stime 15 of the whole line.
    return (int(fields[11]) + int(fields[12])) / TICK


def parents() -> dict[int, int]:
    """pid -> parent pid of every process now, from one pass over /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None:
                found[int(entry)] = int(fields[1])
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now (one pass over /proc: the meter polls this)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents().items():
        children.setdefault(parent, []).append(child)
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(children.get(current, []))
    return pids


class CpuMeter:
    """CPU seconds used by sets of processes and by the machine between ``start`` and ``stop``.

    Processes that appear during the interval are counted from their own start; a process
    that exits during it is counted up to the last sample that saw it, so a long interval
    with short-lived processes (PostgreSQL backends of connections Django recycles) should
    call ``poll`` every second or so.
    """

    def __init__(self, groups: dict[str, callable], *, reaped: str | None = None):
        self.groups = groups  # name -> function returning the pids to count now
        # A child that runs and is waited for inside the interval (wrk) is gone before the
        # last sample: its CPU is counted from RUSAGE_CHILDREN under this name.
        self.reaped = reaped

    def _sample(self) -> dict[str, dict[int, float]]:
        return {name: {pid: process_cpu(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.before = self._sample()
        self.seen = {name: dict(pids) for name, pids in self.before.items()}
        self.machine0 = machine_busy_seconds()
        self.self0 = self_cpu()
        self.children0 = children_cpu()

    def poll(self) -> None:
        for name, pids in self._sample().items():
            self.seen[name].update(pids)

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        self.poll()
        per_process = {
            name: sorted(
                (round(max(0.0, cpu - self.before[name].get(pid, 0.0)), 2) for pid, cpu in self.seen[name].items()),
                reverse=True,
            )
            for name in self.groups
        }
        used = {name: sum(values) for name, values in per_process.items()}
        machine = machine_busy_seconds() - self.machine0
        used["bench_process"] = self_cpu() - self.self0
        if self.reaped:
            used[self.reaped] = children_cpu() - self.children0
        ours = sum(used.values())
        return {
            "wall_seconds": round(wall, 2),
            "cores_busy": {name: round(seconds / wall, 2) for name, seconds in used.items()},
            "machine_cores_busy": round(machine / wall, 2),
            "others_cores_busy": round(max(0.0, machine - ours) / wall, 2),
            "cpu_seconds": {name: round(seconds, 2) for name, seconds in used.items()},
            # How evenly the work spread (keep-alive connections stay with the worker that took them).
            "cpu_seconds_per_process": per_process,
        }


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(values) - values[3] - values[4]) / TICK


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def stop_on_signals() -> None:
    """SIGTERM and SIGINT end the run through its ``finally`` blocks: servers stopped, scratch database
    dropped. (A job started in the background by a non-interactive shell ignores SIGINT, and
    SIGTERM's default would leave the servers running.)"""

    def leave(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


def summarize_profile(collapsed: str, top: int = 40) -> dict:
    """Shares of samples per frame from py-spy's collapsed stacks: inclusive (the frame is on the
    stack) and self (the frame is the innermost), busy samples only (not idle waits)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n

    def ranked(counts: dict[str, int]) -> list:
        return [[round(100 * n / total, 1), frame] for frame, n in sorted(counts.items(), key=lambda kv: -kv[1])[:top]]

    return {"samples": total, "inclusive_percent": ranked(inclusive), "self_percent": ranked(own)}
