"""Serve a WSGI app with bjoern in N forked processes sharing one socket (for bench/floor.py only).

    python bench/bjoern_serve.py MODULE:APP PORT PROCESSES

bjoern is one single-threaded process per event loop and has no process manager of its
own: this listens once, forks PROCESSES servers that accept on the same socket, and
stops them all on SIGTERM or SIGINT. bjoern is not in requirements.txt; install it with
``apt-get install -y libev-dev && .venv/bin/pip install bjoern`` to include it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys


def main() -> None:
    target, port, processes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    module, _, name = target.partition(":")
    app = getattr(importlib.import_module(module), name)

    import bjoern

    bjoern.listen(app, "127.0.0.1", port)
    children: list[int] = []

    def stop(_signum, _frame) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # set before forking: no child is left behind
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            bjoern.run()
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
