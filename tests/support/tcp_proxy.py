"""A TCP relay on 127.0.0.1 that can go silent, like a network cut: connections stay open
but nothing passes any more (what a worker sees when its database's network dies)."""

from __future__ import annotations

import asyncio
import contextlib


class StallingProxy:
    """Forwards every connection to ``host:port`` until :meth:`stall`."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.stalled = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        """Listen; returns the local port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def stall(self) -> None:
        """From now on nothing is forwarded in either direction (connections stay open)."""
        self.stalled.set()

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self._writers += [writer, up_writer]
        for source, target in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, target))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                if self.stalled.is_set():
                    await asyncio.Event().wait()  # swallowed: the cut network
                target.write(data)
                await target.drain()
