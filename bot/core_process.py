"""The conversation core in a process of its own, beside the bot's event loop (the default for
`moodwave run`; `MOODWAVE_CORE_PROCESS=false` keeps it in the bot's process).

Why: CPython runs one thread of Python at a time. In one process the event loop (python-telegram-
bot or discord.py, httpx) and the core (database, Wide & Deep, the mood model's batching) took
turns on that one lock, and the bot topped out at about 30 updates a second with the second core
of the machine half idle (docs/benchmarks.md). Here each has an interpreter of its own.

The parent (`CoreProcess`) keeps what talks to the platforms: the adapters, the web app, the update
claims' bookkeeping. The child (`serve_core`) builds the whole app from the same settings (database,
models, catalog, ranker, Spotify) and owns the jobs, so everything the ranker learns from reactions
lives in one place. They talk over a `multiprocessing` pipe in pickled tuples:

    parent -> child   ("handle", id, Incoming)        an event to answer
                      ("jobs", platform)              the platform can send: start its jobs
                      ("sent", id, error or None)     how a "send" below went
                      ("metrics", id)                 the child's Prometheus metrics (`bot.metrics`)
                      ("stop",)                       finish what is in flight and exit
    child -> parent   ("ready",) / ("failed", kind, message)   once, after start-up
                      ("result", id, [Outgoing, ...])
                      ("error", id, message)          the event could not be answered
                      ("later", id, message)          the database did not answer: hand it back
                      ("send", id, platform, chat, Outgoing)   a check-in question, a group
                                                      playlist or a notice, sent by the parent

A message the child asks the parent to send is answered with whether it went, so a check-in whose
question failed stays claimed and is retried, as in one process; one that may have gone (the
parent's send timed out, or the parent died before answering) is `DeliveryUncertain`, as there. Both sides record update claims
under the parent's claimer identity, so the parent finishes the claims the child took.

If the child dies, every call in flight fails with `CoreUnavailable` (the adapter apologises and
hands the update back for a redelivery) and the next call starts a new child, which restarts the
jobs. If the parent dies, the child reads the end of the pipe and stops.

Every call has a deadline (`MOODWAVE_CORE_DEADLINE`): past it the call fails with `CoreMissedDeadline`
(handed back the same way) and its late answer, if any, is dropped. A child that misses
`MOODWAVE_CORE_MISSED_DEADLINES` deadlines in a row is hung, though alive (stuck on a database that
accepts packets and never answers, say): it is killed, and replaced as a dead one is.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import ConfigurationError, build_app, settle_heap
from bot.core.events import DeliveryUncertain, Incoming, NotHandledNow, Outgoing, Send
from bot.core_host import start_jobs
from bot.core_pipe import CoreUnavailable, Pipe
from bot.logs import configure_logging
from bot.metrics import core_exposition
from bot.settings import Settings

log = logging.getLogger(__name__)

# The core's threads give up the GIL at every SQLite statement and torch operation, and each then
# waits for it back while another thread runs Python; at Python's default 5 ms that wait is often
# longer than the statement. At 50 updates/s offered, three interleaved pairs of runs: p99 97, 109
# and 194 ms at 1 ms against 176, 418 and 356 ms at 5 ms (docs/benchmarks.md).
SWITCH_INTERVAL_S = 0.001
DELIVERY_TIMEOUT_S = 90.0  # a send waits at most this for the parent (the adapters give up at 60)
METRICS_TIMEOUT_S = 5.0


class CoreMissedDeadline(CoreUnavailable):
    """The core process did not answer an event within the deadline."""


class CoreProcess:
    """The parent's side: a `CoreHost` whose core runs in a child process."""

    def __init__(self, settings: Settings, claimer: str, start_timeout_s: float = 600.0) -> None:
        self.settings = settings
        self.claimer = claimer
        self.start_timeout_s = start_timeout_s
        self.deadline_s = settings.core_deadline
        self.max_missed = settings.core_missed_deadlines
        self._missed = 0  # deadlines the current child missed in a row
        self._context = multiprocessing.get_context("spawn")  # no forked threads or torch state
        self._lock = threading.Lock()  # one start at a time
        self._process: BaseProcess | None = None
        self._pipe: Pipe | None = None
        self._senders: dict[str, Send] = {}
        self._deliveries = ThreadPoolExecutor(4, thread_name_prefix="moodwave-deliver")
        self._closing = False

    # -- the CoreHost interface -------------------------------------------------------------------

    def handle(self, event: Incoming) -> list[Outgoing]:
        """The core's replies; blocks (adapters call it from a worker thread, as they would call
        the conversation itself) until the answer, or the deadline: `CoreMissedDeadline`."""
        pipe = self._running(self.deadline_s)  # a new core starting: wait for it, not for ever
        future = pipe.call("handle", event)
        try:
            outs: list[Outgoing] = future.result(self.deadline_s)
        except TimeoutError:
            pipe.forget(future)
            self._count_miss(pipe)
            raise CoreMissedDeadline(
                f"the core did not answer {event.platform} update {event.update_id} "
                f"in {self.deadline_s:g} s"
            ) from None
        if pipe is self._pipe:  # no lock: a new core may be starting under it for a while
            self._missed = 0
        return outs

    def start_jobs(self, platform: str, send: Send) -> None:
        self._senders[platform] = send  # from now on every new child starts these jobs too
        with contextlib.suppress(OSError, ValueError):  # the child just died: its successor will
            self._running().post("jobs", platform)

    def metrics(self) -> bytes:
        """The child's metrics (`bot.metrics.core_exposition`); none while it is not answering."""
        pipe = self._pipe
        if pipe is None or not self.alive():
            return b""
        try:
            return bytes(pipe.call("metrics").result(METRICS_TIMEOUT_S))
        except Exception:  # it died meanwhile, or is too busy: /metrics still answers
            return b""

    def alive(self) -> bool:
        """The child is running and answering (not starting, stopping or dead). Never waits."""
        pipe, process = self._pipe, self._process
        return (
            not self._closing
            and pipe is not None
            and not pipe.closed
            and bool(process and process.is_alive())
        )

    def close(self) -> None:
        """Stop the child: it finishes the events in flight (their answers still come back), then
        exits."""
        self._closing = True
        with self._lock:
            pipe, process = self._pipe, self._process
            self._pipe = self._process = None
        if pipe is not None:
            # Said, not shown by closing our end: a close does not reach the child while our
            # reader thread is blocked reading it.
            with contextlib.suppress(OSError, ValueError):
                pipe.post("stop")
        if process is not None:
            process.join(30)
            if process.is_alive():
                log.warning("the core process did not stop in 30 s; killing it")
                process.kill()
                process.join(5)
        if pipe is not None:
            pipe.close(CoreUnavailable("the bot is stopping"))
        self._deliveries.shutdown(wait=False, cancel_futures=True)

    def _count_miss(self, pipe: Pipe) -> None:
        """One more deadline missed; at `max_missed` in a row the child is hung: kill it (the pipe's
        reader then fails what is in flight and starts a new child)."""
        if not self._lock.acquire(timeout=1.0):
            return  # a new core is starting: that child is already gone
        try:
            if pipe is not self._pipe or self._process is None:
                return  # that child is already gone
            self._missed += 1
            if self._missed < self.max_missed:
                log.warning("the core process missed a deadline (%d in a row)", self._missed)
                return
            process, self._missed = self._process, 0
        finally:
            self._lock.release()
        log.error(
            "the core process %s missed %d deadlines in a row: killing it to start a new one",
            process.pid,
            self.max_missed,
        )
        process.kill()

    # -- running the child ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child and wait until its app is built (the models load: seconds)."""
        self._running()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _running(self, wait_s: float = -1) -> Pipe:
        """The running child's pipe, after starting one if there is none. `wait_s`: how long to
        wait while another thread starts one (-1: as long as it takes)."""
        if not self._lock.acquire(timeout=wait_s):
            raise CoreUnavailable(f"the core process is still starting after {wait_s:g} s")
        try:
            if self._closing:
                raise CoreUnavailable("the bot is stopping")
            if (
                self._pipe is not None
                and not self._pipe.closed
                and self._process is not None
                and self._process.is_alive()
            ):
                return self._pipe
            if self._process is not None:  # it died, or its pipe broke: make sure, and reap it
                self._process.join(5)
                if self._process.is_alive():
                    self._process.kill()
                    self._process.join(5)
                log.error(
                    "the core process stopped (exit code %s); starting a new one",
                    self._process.exitcode,
                )
            self._pipe, self._process = self._spawn()
            for platform in self._senders:  # a new child: its jobs start again
                self._pipe.post("jobs", platform)
            return self._pipe
        finally:
            self._lock.release()

    def _spawn(self) -> tuple[Pipe, BaseProcess]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve_core,
            args=(self.settings, self.claimer, theirs, logging.getLogger().level),
            name="moodwave-core",
        )
        process.start()
        theirs.close()  # only the child holds its end: when the child dies, ours reads EOF
        try:
            if not ours.poll(self.start_timeout_s):
                raise CoreUnavailable(
                    f"the core process did not start in {self.start_timeout_s:g} s"
                )
            first = ours.recv()
        except (EOFError, OSError, CoreUnavailable) as exc:
            process.kill()
            process.join(5)
            ours.close()
            if isinstance(exc, CoreUnavailable):
                raise
            raise CoreUnavailable(
                f"the core process exited during start-up (exit code {process.exitcode})"
            ) from exc
        if first[0] == "failed":
            process.join(5)
            ours.close()
            _, kind, message = first
            raise (ConfigurationError if kind == "configuration" else CoreUnavailable)(message)
        pipe = Pipe(ours)
        threading.Thread(
            target=self._read, args=(pipe,), name="moodwave-core-pipe", daemon=True
        ).start()
        log.info("the core runs in process %s", process.pid)
        return pipe, process

    def _read(self, pipe: Pipe) -> None:
        try:
            while True:
                message = pipe.connection.recv()
                kind = message[0]
                if kind == "result":
                    pipe.settle(message[1], message[2])
                elif kind == "error":
                    pipe.settle(message[1], error=RuntimeError(message[2]))
                elif kind == "later":
                    pipe.settle(message[1], error=NotHandledNow(message[2]))
                elif kind == "send":
                    self._deliveries.submit(self._deliver, pipe, *message[1:])
        except (EOFError, OSError):
            pass
        pipe.close(CoreUnavailable("the core process stopped"))
        if not self._closing:
            log.error("lost the core process; the updates in flight get an apology")
            threading.Thread(target=self._revive, name="moodwave-core-revive", daemon=True).start()

    def _revive(self) -> None:
        """Start a new child at once, not at the next event: the jobs (check-ins due, group mixes
        closing) must not wait for someone to write. Retried with a growing pause while it fails."""
        pause = 1.0
        while not self._closing:
            try:
                self._running()
                return
            except Exception:
                if self._closing:
                    return
                log.exception("could not start a new core process; trying again in %g s", pause)
            time.sleep(pause)
            pause = min(60.0, pause * 2)

    def _deliver(self, pipe: Pipe, call_id: int, platform: str, chat: str, out: Outgoing) -> None:
        error: str | None = None
        sender = self._senders.get(platform)
        try:
            if sender is None:
                raise RuntimeError(f"no {platform} bot is running")
            sender(chat, out)
        except Exception as exc:  # the child's job logs it and retries, as in one process
            error = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError, ValueError):  # the child has gone; a lease retries it
            pipe.post("sent", call_id, error)


# -- the child --------------------------------------------------------------------------------------


class DeliveryFailed(RuntimeError):
    """The parent could not send a message the child's jobs asked it to."""


def serve_core(settings: Settings, claimer: str, connection: Connection, log_level: int) -> None:
    """The child process: build the app, answer events until the parent closes the pipe."""
    # Ctrl-C and a SIGTERM to the whole group are the parent's to handle: it drains the updates in
    # flight, which need this process, then says "stop".
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    configure_logging(log_level, settings)
    pipe = Pipe(connection)
    try:
        app = build_app(settings, claimer)
    except ConfigurationError as exc:
        pipe.post("failed", "configuration", str(exc))
        return
    except Exception as exc:
        log.exception("the core could not start")
        pipe.post("failed", "error", f"the core could not start: {type(exc).__name__}: {exc}")
        return
    workers = ThreadPoolExecutor(settings.core_threads, thread_name_prefix="moodwave-core")
    schedulers: dict[str, BackgroundScheduler] = {}
    settle_heap()
    pipe.post("ready")

    def answer(call_id: int, event: Incoming) -> None:
        try:
            outs = app.conversation.handle(event)
            pipe.post("result", call_id, outs)
        except (OSError, ValueError):
            pass  # the parent has gone: the update's claim lapses and a redelivery retries it
        except NotHandledNow as exc:  # the database did not answer: the parent hands it back
            with contextlib.suppress(OSError, ValueError):
                pipe.post("later", call_id, str(exc))
        except Exception as exc:  # e.g. a reply that cannot be pickled: a bug, logged here
            log.exception(
                "could not answer %s update %s in chat %s",
                event.platform,
                event.update_id,
                event.chat.external_id,
            )
            with contextlib.suppress(OSError, ValueError):
                pipe.post("error", call_id, f"the core failed: {type(exc).__name__}")

    def sender(platform: str) -> Send:
        def send(chat: str, out: Outgoing) -> None:
            asked = pipe.call("send", platform, chat, out)  # raises when nothing was sent
            try:
                error = asked.result(DELIVERY_TIMEOUT_S)
            except (TimeoutError, DeliveryFailed) as exc:  # the parent may have sent it
                message = f"the bot process did not say how the send went: {exc}"
                raise DeliveryUncertain(message) from exc
            if error is not None:
                uncertain = error.startswith(DeliveryUncertain.__name__)
                raise DeliveryUncertain(error) if uncertain else DeliveryFailed(error)

        return send

    try:
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "stop":
                break
            if kind == "handle":
                workers.submit(answer, message[1], message[2])
            elif kind == "sent":
                pipe.settle(message[1], message[2])
            elif kind == "metrics":
                pipe.post("result", message[1], core_exposition(app.estimator))
            elif kind == "jobs" and message[1] not in schedulers:  # once per platform
                schedulers[message[1]] = start_jobs(app, message[1], sender(message[1]))
    finally:
        for scheduler in schedulers.values():
            scheduler.shutdown(wait=False)
        # The answers in flight go back (a parent that is stopping still reads them).
        workers.shutdown(wait=True)
        pipe.close(DeliveryFailed("the bot process has gone"))
        app.close()
