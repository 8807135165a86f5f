"""Run N granian servers of one worker each on the same port (for the benchmarks).

    python bench/granian_ports.py N BLOCKING_THREADS PORT MODULE:APP

One granian with ``--workers N`` shares one listening socket among its workers, and the worker
that wakes first accepts: under load most keep-alive connections (and so most requests) land on
one process while the others idle (bench/exam_day.py, README). granian binds its socket with
``SO_REUSEPORT``, so N separate servers can listen on the same port, each with a socket of its
own, and the kernel spreads new connections across them evenly by their addresses. This starts
them and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import subprocess
import sys


def main() -> None:
    servers, threads, port, target = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    command = [
        sys.executable,
        "-m",
        "granian",
        *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--http", "1", "--no-ws"),
        *("--workers", "1", "--blocking-threads", str(threads)),
        target,
    ]
    children = [subprocess.Popen(command) for _ in range(servers)]

    def stop(signum, _frame) -> None:
        for child in children:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.exit(max(child.wait() for child in children))


if __name__ == "__main__":
    main()
