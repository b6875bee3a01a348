"""One end of the pipe between the bot's process and its core process (`bot.core_process`): sends
from any thread, one at a time, and calls that wait for the other side's answer."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from bot.core.events import NotHandledNow


class CoreUnavailable(NotHandledNow):
    """The core process is not running (it died, or could not start)."""


class Pipe:
    """One end of the pipe: sends from any thread, one at a time; calls that wait for an answer."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._send_lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self.closed = False

    def post(self, *message: Any) -> None:
        with self._send_lock:
            self.connection.send(message)

    def call(self, kind: str, *args: Any) -> Future[Any]:
        """Send (kind, id, *args); the future is settled by `settle` when the answer comes."""
        future: Future[Any] = Future()
        with self._lock:
            if self.closed:
                raise CoreUnavailable("the other process has gone")
            call_id = next(self._ids)
            self._waiting[call_id] = future
        try:
            self.post(kind, call_id, *args)
        except (OSError, ValueError) as exc:
            with self._lock:
                self._waiting.pop(call_id, None)
            raise CoreUnavailable("the other process has gone") from exc
        return future

    def forget(self, future: Future[Any]) -> None:
        """Nobody waits for this call any longer: its answer, if it comes, is dropped."""
        with self._lock:
            for call_id, waiting in list(self._waiting.items()):
                if waiting is future:
                    del self._waiting[call_id]

    def settle(self, call_id: int, result: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            future = self._waiting.pop(call_id, None)
        if future is None:
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def close(self, error: BaseException) -> None:
        """The other side has gone: fail everything still waiting for it."""
        with self._lock:
            self.closed = True
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(error)
        self.connection.close()
