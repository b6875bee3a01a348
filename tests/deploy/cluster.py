"""Running the scaled set-up on one machine, for the kill-a-replica test and `benchmarks/
scaled_load.py`: bot replicas and the inference worker as separate `moodwave` processes (the same
commands the container images run), and a small round-robin load balancer in front of the replicas.

The load balancer stands in for nginx or a cloud balancer: it forwards each request to the next
replica; a replica that refuses the connection is skipped (nothing reached it); a replica that drops
a request it already received answers 502, and Telegram delivers the update again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import httpx
from aiohttp import web

MOODWAVE = str(Path(sys.executable).with_name("moodwave"))
ROOT = Path(__file__).resolve().parents[2]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float = 600) -> None:
    """Poll GET url until it answers 200; fail early if the process died. The deadline is only an
    upper bound: a first start imports the catalog, minutes on a loaded two-core machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy within {timeout} s")


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without any MOODWAVE_ setting of the caller's, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODWAVE_")}
    env.update(extra)
    return env


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (for `moodwave run`: its core process and multiprocessing's
    resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


class Service:
    """One `moodwave ...` process with its log file."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self._children: set[int] = set()  # seen while it ran: waited for (or killed) in `stop`
        self.process = subprocess.Popen(
            [MOODWAVE, *args],
            env=clean_env(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye, as when a machine or container dies. Its children
        (the core process) find their pipe closed and stop; `stop` makes sure they did."""
        self._children.update(self._live_children())
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop the service and everything it started: no process outlives its test."""
        self._children.update(self._live_children())
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        for pid in self._children:
            _wait_gone(pid, timeout=30)
        self._log.close()

    def _live_children(self) -> set[int]:
        if self.process.poll() is not None:
            return set()
        try:
            return set(child_pids(self.process.pid))
        except OSError:  # it ended just now
            return set()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _wait_gone(pid: int, timeout: float) -> None:
    """Wait for a process that is not our child to end; SIGKILL it at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _running(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan ended but not yet reaped by init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def replica_env(
    *,
    port: int,
    database_url: str,
    fake_telegram_url: str,
    token: str,
    webhook_url: str,
    home: Path,
    data_dir: Path,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The settings of one bot replica in Telegram webhook mode (as deploy/bot.env.example)."""
    env = {
        "MOODWAVE_DATABASE_URL": database_url,
        "MOODWAVE_TELEGRAM_TOKEN": token,
        "MOODWAVE_TELEGRAM_API_URL": fake_telegram_url,
        "MOODWAVE_TELEGRAM_WEBHOOK_URL": webhook_url,
        "MOODWAVE_TELEGRAM_WEBHOOK_SECRET": "replica-test-secret_1",
        "MOODWAVE_WEB_HOST": "127.0.0.1",
        "MOODWAVE_WEB_PORT": str(port),
        "MOODWAVE_HOME": str(home),
        "MOODWAVE_DATA_DIR": str(data_dir),
        "MOODWAVE_LOG_LEVEL": "INFO",
    }
    env.update(extra or {})
    return env


class LoadBalancer:
    """Round-robin HTTP reverse proxy on 127.0.0.1, in its own thread and event loop."""

    def __init__(self, backends: list[str], timeout: float = 60.0) -> None:
        self.backends = [b.rstrip("/") for b in backends]
        self.timeout = timeout
        self.port = 0
        self.forwarded: Counter[str] = Counter()  # backend -> requests answered by it
        self.failed: Counter[str] = Counter()  # backend -> requests it dropped (502)
        self._next = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoadBalancer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the load balancer did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.run(self._serve(ready))

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            app = web.Application(client_max_size=64 * 1024 * 1024)

            async def forward(request: web.Request) -> web.Response:
                return await self._forward(session, request)

            app.router.add_route("*", "/{tail:.*}", forward)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            ready.set()
            await self._stop.wait()
            await runner.cleanup()

    async def _forward(self, session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        for _ in range(len(self.backends)):
            backend = self.backends[next(self._next) % len(self.backends)]
            try:
                async with session.request(
                    request.method,
                    backend + request.path_qs,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as answer:
                    payload = await answer.read()
                    self.forwarded[backend] += 1
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
                    return web.Response(status=answer.status, body=payload, headers=kept)
            except aiohttp.ClientConnectorError:
                continue  # refused: nothing reached this replica, the next one gets it
            except (aiohttp.ClientError, TimeoutError):
                self.failed[backend] += 1
                return web.Response(status=502, text="the replica dropped the request")
        return web.Response(status=502, text="no replica is reachable")


class SilentProxy:
    """A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL), that can be made silent: while
    silent it forwards nothing either way and opens no new upstream connection, though it keeps
    accepting connections (as a stopped or wedged server whose kernel still answers, or a network
    that holds packets). When it speaks again, what was held goes through."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._speaking: asyncio.Event | None = None

    def start(self) -> SilentProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve(ready)), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def silence(self) -> None:
        assert self._loop is not None and self._speaking is not None
        self._loop.call_soon_threadsafe(self._speaking.clear)

    def speak(self) -> None:
        assert self._loop is not None and self._speaking is not None
        self._loop.call_soon_threadsafe(self._speaking.set)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop, self._speaking = asyncio.Event(), asyncio.Event()
        self._speaking.set()
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stop.wait()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._speaking is not None
        await self._speaking.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        with contextlib.suppress(asyncio.CancelledError):  # the proxy is stopping
            await asyncio.gather(
                self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
            )

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._speaking is not None
        try:
            while True:
                await self._speaking.wait()
                data = await reader.read(65536)
                if not data:
                    break
                await self._speaking.wait()  # read just as it fell silent: held until it speaks
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
