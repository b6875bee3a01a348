"""The inference worker's app served by uvicorn on a free loopback port, for tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from nlp.analysis import ModelMoodEstimator
from nlp.worker import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_worker(estimator: ModelMoodEstimator) -> Iterator[str]:
    """The worker serving `estimator`; its base URL while the block runs, stopped after it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(estimator), host="127.0.0.1", port=port, log_level="warning")
    )
    started = threading.Event()
    original = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original(sockets)
        started.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    if not started.wait(timeout=60):
        raise RuntimeError("the worker did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
