"""A small keep-alive HTTP/1.1 client on asyncio streams, for the load generators in bench/.

The exam-day bench runs its Python client on the same 2 cores as the server it measures,
so every microsecond the client spends per request is taken from the server. A general
client (aiohttp) builds header objects, cookie jars, URL objects and tracing hooks for
each request; this one writes one preformatted byte string and reads the head with one
``readuntil`` and the body with one ``readexactly``. It speaks only what the benchmark
needs: one host, Content-Length or chunked bodies, keep-alive with a bounded pool.
"""

from __future__ import annotations

import asyncio
import json

RETRYABLE = (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError, ConnectionAbortedError)


class HttpPool:
    """At most ``size`` keep-alive connections to one host; a request waits for a free one.

    Waiting for a connection is part of a request's latency, as it is for a browser behind
    a saturated server.
    """

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port = host, port
        self.limit = asyncio.Semaphore(size)
        self.free: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.host_header = f"Host: {host}:{port}\r\n".encode()

    async def request(self, method: bytes, path: str, headers: bytes = b"", body: bytes = b"") -> tuple[int, bytes]:
        """(status, body). ``headers`` are whole lines (``b"Name: value\\r\\n"``)."""
        message = b"%s %s HTTP/1.1\r\n%s%sContent-Length: %d\r\n\r\n%s" % (
            method,
            path.encode(),
            self.host_header,
            headers,
            len(body),
            body,
        )
        async with self.limit:
            reused = bool(self.free)
            conn = self.free.pop() if reused else await asyncio.open_connection(self.host, self.port)
            try:
                status, data, keep = await self._exchange(conn, message)
            except RETRYABLE:
                conn[1].close()
                if not reused:
                    raise
                # The server closed an idle keep-alive connection just as we reused it: nothing
                # was answered, so send it again on a new one (the saves are idempotent by seq).
                conn = await asyncio.open_connection(self.host, self.port)
                status, data, keep = await self._exchange(conn, message)
            except BaseException:
                conn[1].close()
                raise
            if keep:
                self.free.append(conn)
            else:
                conn[1].close()
            return status, data

    async def json(self, method: bytes, path: str, headers: bytes = b"", payload=None) -> tuple[int, object]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        if payload is not None:
            headers += b"Content-Type: application/json\r\n"
        status, data = await self.request(method, path, headers, body)
        return status, json.loads(data) if data else None

    @staticmethod
    async def _exchange(conn, message: bytes) -> tuple[int, bytes, bool]:
        reader, writer = conn
        writer.write(message)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        keep = b"\r\nconnection: close" not in lower
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            data = await reader.readexactly(int(lower[at + 17 : end]))
        elif b"\r\ntransfer-encoding: chunked" in lower:
            data = await _read_chunked(reader)
        else:
            data, keep = await reader.read(), False
        return status, data, keep

    def close(self) -> None:
        for _reader, writer in self.free:
            writer.close()
        self.free.clear()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers are sent to us
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
