"""Running the chat bots from settings: every enabled platform (`bot.adapters.PLATFORMS`: Telegram
by long polling or webhook, Discord) in one process, each with its own check-in job once it can
send, and the web app in every mode: `/healthz` (alive), `/readyz` (database, core and platforms
ready), `/metrics` (Prometheus, `bot.metrics`), Telegram's webhook and Spotify's account-linking
callback when they are set up.

`moodwave run` comes here when a platform's token is set. SIGTERM (Docker's stop) or Ctrl-C stops
it gracefully: the web app stops taking requests and answers those in flight, each bot stops
receiving and finishes the updates it has, then the core stops; after `MOODWAVE_STOP_TIMEOUT`
seconds whatever is left is abandoned (a Telegram update not confirmed comes again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from starlette.routing import BaseRoute

from bot.adapters import enabled_platforms
from bot.adapters.base import ChatAdapter
from bot.app import build_app, build_spotify_services, open_store, settle_heap
from bot.core_host import InProcessCore
from bot.limits import LimitedCore, rate_limiter
from bot.metrics import MeteredCore, ObservableCore, ServingMetrics
from bot.notify import Notifier
from bot.settings import Settings
from bot.web import web_app
from recommender.spotify import SpotifyServices
from storage import Store, reachable

log = logging.getLogger(__name__)

WAITING_THREADS = 32  # more than the events a bot keeps in flight (8 Telegram updates at once)


class Bots:
    """What `moodwave run` starts: the enabled platforms' adapters, around a core in this process
    or in a process of its own (`bot.core_host`)."""

    def __init__(
        self,
        settings: Settings,
        core: ObservableCore,
        store: Store,
        spotify: SpotifyServices | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        # Every event passes the per-person and per-chat limits before it reaches the core; what
        # /metrics reports counts every event, those told to slow down included.
        self.core = MeteredCore(LimitedCore(core, rate_limiter(settings)), ServingMetrics())
        self.store = store  # the update claims' bookkeeping and chat migrations, done here
        self.spotify = spotify  # its account-linking callback is served by this process's web app
        self._close = close
        # The event loop's worker threads, where the adapters call the core: the core itself when
        # it runs in them; else they only wait for its answers, one per event in flight.
        in_loop_threads = isinstance(core, InProcessCore) and core.workers is None
        self.core_threads = settings.core_threads if in_loop_threads else WAITING_THREADS

    def adapters(self) -> list[ChatAdapter]:
        adapters = [
            platform.adapter_class().from_settings(self.settings, self.core, self.store)
            for platform in enabled_platforms(self.settings)
        ]
        for adapter in adapters:
            self.core.serving.expect(adapter.platform)
        return adapters

    def stop(self) -> None:
        self.core.close()
        if self._close is not None:
            self._close()


def start_bots(settings: Settings) -> Bots:
    """The core where `MOODWAVE_CORE_PROCESS` says, started and warm."""
    if not settings.core_process:
        app = build_app(settings)
        local = InProcessCore(app, settings.core_deadline, settings.core_threads)
        return Bots(settings, local, app.store, app.spotify)
    from bot.core_process import CoreProcess

    store = open_store(settings)  # migrated here, before the core process opens it too
    spotify = build_spotify_services(settings, store, Notifier())
    core = CoreProcess(settings, store.claimer)
    core.start()
    return Bots(settings, core, store, spotify, close=spotify.close if spotify else None)


def run_bots(settings: Settings) -> int:
    bots = start_bots(settings)
    settle_heap()
    try:
        asyncio.run(_serve(bots))
    except KeyboardInterrupt:
        pass
    finally:
        bots.stop()
    return 0


async def _serve(bots: Bots) -> None:
    settings = bots.settings
    loop = asyncio.get_running_loop()
    loop.set_default_executor(
        ThreadPoolExecutor(bots.core_threads, thread_name_prefix="moodwave-core")
    )
    stopping = asyncio.Event()
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _stop, stopping, signum)
    adapters = bots.adapters()
    running = [asyncio.create_task(adapter.run()) for adapter in adapters]
    server: uvicorn.Server | None = None
    web: asyncio.Task[None] | None = None
    try:
        # The web app starts once every bot can receive (a webhook update needs its bot started).
        if not await _all_started(adapters, running, stopping):
            return
        routes = _routes(bots, adapters)
        server = _WebServer(
            uvicorn.Config(
                web_app(
                    routes,
                    ready=lambda: readiness(bots, adapters, running, stopping),
                    metrics=bots.core.metrics,
                ),
                host=settings.web_host,
                port=settings.web_port,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=max(1, int(settings.stop_timeout)),
            )
        )
        log.info("web app on http://%s:%d", settings.web_host, settings.web_port)
        web = asyncio.create_task(_web(server, required=bool(routes)))
        stop = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait([*running, web, stop], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        for task in done - {stop}:
            task.result()  # a bot (or the web app) that stopped with an error says so
    finally:
        stopping.set()  # /readyz says no from here
        await _drain(server, web, running, settings.stop_timeout)


async def _web(server: uvicorn.Server, required: bool) -> None:
    """The web app until it is stopped. If it cannot listen (the port is taken), that is fatal when
    Telegram's webhook or Spotify's callback needs it; with long polling the bots serve on without
    health checks and metrics, and the log says so."""
    where = f"{server.config.host}:{server.config.port}"
    try:
        await server.serve()
    except SystemExit:  # uvicorn's way of saying it could not start listening
        if required:
            raise RuntimeError(
                f"the web app cannot listen on {where}; set MOODWAVE_WEB_HOST/MOODWAVE_WEB_PORT"
            ) from None
        log.error(
            "the web app cannot listen on %s: no /healthz, /readyz or /metrics (set "
            "MOODWAVE_WEB_PORT); the bots serve on",
            where,
        )
        await asyncio.Event().wait()  # until the bots stop


def _stop(stopping: asyncio.Event, signum: int) -> None:
    if not stopping.is_set():
        log.warning(
            "%s: finishing the updates in flight, then stopping", signal.Signals(signum).name
        )
    stopping.set()


async def _drain(
    server: uvicorn.Server | None,
    web: asyncio.Task[None] | None,
    running: list[asyncio.Task[None]],
    timeout_s: float,
) -> None:
    """Stop taking updates and let those in flight finish: first the web app (the webhook requests
    in flight are answered), then each bot (it stops receiving and finishes the updates it has)."""

    async def finish() -> None:
        if server is not None and web is not None:
            server.should_exit = True
            if not server.started:  # it never listened (`_web`): nothing to answer
                web.cancel()
            await asyncio.gather(web, return_exceptions=True)
        for task in running:
            task.cancel()  # each adapter's `run` stops receiving and waits for its updates
        await asyncio.gather(*running, return_exceptions=True)

    try:
        await asyncio.wait_for(finish(), timeout_s)
    except TimeoutError:
        log.warning("updates still in flight after %g s are abandoned", timeout_s)
        if web is not None:
            web.cancel()
        await asyncio.gather(*running, *([web] if web else []), return_exceptions=True)


def _routes(bots: Bots, adapters: list[ChatAdapter]) -> list[BaseRoute]:
    routes: list[BaseRoute] = [r for adapter in adapters for r in adapter.web_routes()]
    if bots.spotify is not None:
        from recommender.spotify import callback_routes

        routes += callback_routes(bots.spotify.accounts)
    return routes


def readiness(
    bots: Bots,
    adapters: list[ChatAdapter],
    running: list[asyncio.Task[None]],
    stopping: asyncio.Event,
) -> dict[str, bool]:
    """What /readyz checks (from a worker thread): the database answers, the core (its mood model
    and catalog loaded) runs, each platform's bot is connected, and the process is not stopping."""
    checks = {"database": reachable(bots.store.engine), "core": bots.core.alive()}
    for adapter, task in zip(adapters, running, strict=True):
        checks[adapter.platform] = adapter.started.is_set() and not task.done()
    checks["serving"] = not stopping.is_set()
    return checks


class _WebServer(uvicorn.Server):
    """uvicorn without signal handlers of its own: `_serve` owns SIGTERM and SIGINT and stops the
    web app first (uvicorn's would raise the signal again once it stopped, killing the process
    with updates still in flight)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _all_started(
    adapters: list[ChatAdapter], running: list[asyncio.Task[None]], stopping: asyncio.Event
) -> bool:
    """Wait until every adapter has started (True) or a stop was asked for (False); a bot that
    fails while starting raises here."""
    started = [asyncio.create_task(adapter.started.wait()) for adapter in adapters]
    stop = asyncio.create_task(stopping.wait())
    try:
        pending = set(started) | set(running) | {stop}
        while not all(task.done() for task in started):
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if stop in done:
                return False
            for task in done & set(running):
                task.result()  # ended before it started: its error, or a plain stop
                raise RuntimeError("a chat bot stopped while starting")
        return True
    finally:
        stop.cancel()
        for task in started:
            task.cancel()
