"""The baseline: a bare ``websockets`` echo server, the ceiling for one Python process.

Run: ``python -m loadgen.echo_server --port 0 [--uvloop]`` (from ``tests/perf``); prints
``READY <port> <pid>`` once listening and serves until SIGTERM/SIGINT. It uses the same
``websockets`` asyncio server as the desk server, with the same defaults (no compression
offered by the generator, ping every 20 s), so the ratio to it is the cost of the product's
own work: validation, storage, fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from websockets.asyncio.server import ServerConnection, serve


async def echo(ws: ServerConnection) -> None:
    async for message in ws:
        await ws.send(message)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        echo, "127.0.0.1", port, backlog=1024, max_size=65536, compression=None
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"READY {bound} {os.getpid()}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.run(main(args.port))
    else:
        asyncio.run(main(args.port))
