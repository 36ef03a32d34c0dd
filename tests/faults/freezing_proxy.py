"""A TCP proxy in front of the broker whose connections from chosen client ports can be frozen:
what either side then sends is dropped, so the client's requests go unanswered while its sockets
stay open, as with a broker or a network that stops answering. A frozen client that hangs up is
hung up on upstream too, as the broker would see it go."""

import asyncio
import os
import threading
from types import TracebackType

from services.stack.broker import free_port

CHUNK = 64 * 1024


class FreezingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self._upstream = upstream_port
        self._frozen: frozenset[int] = frozenset()
        self._loop = asyncio.new_event_loop()
        self._listening = threading.Event()
        self._server: asyncio.Server | None = None

    def freeze(self, client_ports: set[int]) -> None:
        """From now on, drop what passes on the connections from these client ports."""
        self._frozen = self._frozen | client_ports

    def __enter__(self) -> "FreezingProxy":
        threading.Thread(target=self._run, daemon=True).start()
        if not self._listening.wait(10):
            raise RuntimeError("the proxy did not start listening")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self._listening.set()
        self._loop.run_forever()

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        client_port = to_client.get_extra_info("peername")[1]
        try:
            upstream, to_upstream = await asyncio.open_connection("127.0.0.1", self._upstream)
        except OSError:
            to_client.close()
            return
        await asyncio.gather(
            self._pump(client, to_upstream, client_port),
            self._pump(upstream, to_client, client_port),
        )

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, client_port: int
    ) -> None:
        try:
            while data := await source.read(CHUNK):
                if client_port not in self._frozen:
                    sink.write(data)
                    await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()


def client_ports(pid: int) -> set[int]:
    """The local TCP ports of process `pid`'s sockets (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
