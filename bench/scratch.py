"""The scratch PostgreSQL database a benchmark runs against, created afresh and dropped after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(server: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """Drop ``name`` on ``server`` (``postgres://user@host:port``) if it is there, create it and
    yield its URL; drop it again at the end, however the run ends, unless ``keep``. Close the
    run's connections to it first: ``WITH (FORCE)`` ends any that are left."""
    import psycopg

    def drop(admin) -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        drop(admin)
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        if not keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                drop(admin)
