"""A TCP relay that puts a network's distance between serving nodes and the service, for
docs/warm-start-proof.md's "A node far from the service".

Every chunk is passed on DELAY milliseconds after it arrived, in each direction and in order, so a
round trip through the relay takes 2 x DELAY longer (bandwidth is not limited). Counts the
connections it accepted and writes them, with the bytes each way, to STATS on SIGTERM or SIGINT.

  python3 delay_relay.py LISTEN_PORT TARGET_HOST:TARGET_PORT DELAY_MS STATS_FILE
"""

import asyncio
import json
import signal
import sys
import time


class Relay:
    def __init__(self, target_host: str, target_port: int, delay_ms: float) -> None:
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000.0
        self.stats = {"delay_ms": delay_ms, "connections": 0, "bytes_up": 0, "bytes_down": 0}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        # TCP's handshake is a round trip before the client's first byte leaves: a new connection's
        # first request reaches the service 3 x DELAY after connect(), as it would across the wire
        await asyncio.sleep(2 * self.delay)
        try:
            await asyncio.gather(self._carry(reader, up_writer, "bytes_up"),
                                 self._carry(up_reader, writer, "bytes_down"))
        except asyncio.CancelledError:  # the relay stops with connections open
            pass

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     counter: str) -> None:
        """Passes each chunk on once it is DELAY old; a close is passed on the same way."""
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if chunk is None:
                    break
                writer.write(chunk)
                await writer.drain()
            writer.close()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                chunk = await reader.read(1 << 16)
                if not chunk:
                    break
                self.stats[counter] += len(chunk)
                queue.put_nowait((time.monotonic() + self.delay, chunk))
        except OSError:
            pass
        queue.put_nowait((time.monotonic() + self.delay, None))
        try:
            await delivering
        except OSError:
            pass


async def main() -> None:
    port, target, delay_ms, stats_file = sys.argv[1:5]
    host, target_port = target.rsplit(":", 1)
    relay = Relay(host, int(target_port), float(delay_ms))
    server = await asyncio.start_server(relay.serve, "127.0.0.1", int(port))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    with open(stats_file, "w") as out:
        json.dump(relay.stats, out)
        out.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
