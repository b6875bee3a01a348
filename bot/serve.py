"""Running the chat bots from settings: every enabled platform (`bot.adapters.PLATFORMS`: Telegram
by long polling or webhook, Discord) in one process, each with its own check-in job once it can
send, plus the web app when something needs it (Telegram's webhook, Spotify's account-linking
callback).

`moodwave run` comes here when a platform's token is set. All stop with the process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from starlette.routing import BaseRoute

from bot.adapters import enabled_platforms
from bot.adapters.base import ChatAdapter, CoreHost
from bot.app import build_app, build_spotify_services, open_store, settle_heap
from bot.core_host import InProcessCore
from bot.limits import LimitedCore, RateLimiter
from bot.notify import Notifier
from bot.settings import Settings
from bot.web import web_app
from recommender.spotify import SpotifyServices
from storage import Store

log = logging.getLogger(__name__)

WAITING_THREADS = 32  # more than the events a bot keeps in flight (8 Telegram updates at once)


class Bots:
    """What `moodwave run` starts: the enabled platforms' adapters, around a core in this process
    or in a process of its own (`bot.core_host`)."""

    def __init__(
        self,
        settings: Settings,
        core: CoreHost,
        store: Store,
        spotify: SpotifyServices | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        # Every event passes the per-person and per-chat limits before it reaches the core.
        self.core: CoreHost = LimitedCore(core, RateLimiter.from_settings(settings))
        self.store = store  # the update claims' bookkeeping and chat migrations, done here
        self.spotify = spotify  # its account-linking callback is served by this process's web app
        self._close = close
        # The event loop's worker threads, where the adapters call the core: the core itself when
        # it is in this process; else they only wait for its answers, one per event in flight.
        self.core_threads = (
            settings.core_threads if isinstance(core, InProcessCore) else WAITING_THREADS
        )

    def adapters(self) -> list[ChatAdapter]:
        return [
            platform.adapter_class().from_settings(self.settings, self.core, self.store)
            for platform in enabled_platforms(self.settings)
        ]

    def stop(self) -> None:
        self.core.close()
        if self._close is not None:
            self._close()


def start_bots(settings: Settings) -> Bots:
    """The core where `MOODWAVE_CORE_PROCESS` says, started and warm."""
    if not settings.core_process:
        app = build_app(settings)
        return Bots(settings, InProcessCore(app), app.store, app.spotify)
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
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(bots.core_threads, thread_name_prefix="moodwave-core")
    )
    adapters = bots.adapters()
    running = [asyncio.create_task(adapter.run()) for adapter in adapters]
    try:
        # The web app starts once every bot can receive (a webhook update needs its bot started).
        await _all_started(adapters, running)
        routes: list[BaseRoute] = [r for adapter in adapters for r in adapter.web_routes()]
        if bots.spotify is not None:
            from recommender.spotify import callback_routes

            routes += callback_routes(bots.spotify.accounts)
        if routes:
            server = uvicorn.Server(
                uvicorn.Config(
                    web_app(routes),
                    host=settings.web_host,
                    port=settings.web_port,
                    log_level="warning",
                    access_log=False,
                )
            )
            log.info("web app on http://%s:%d", settings.web_host, settings.web_port)
            running.append(asyncio.create_task(server.serve()))
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a bot that stopped with an error says so
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def _all_started(adapters: list[ChatAdapter], running: list[asyncio.Task[None]]) -> None:
    """Wait until every adapter has started; a bot that fails while starting raises here."""
    started = [asyncio.create_task(adapter.started.wait()) for adapter in adapters]
    try:
        pending = set(started) | set(running)
        while not all(task.done() for task in started):
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done & set(running):
                task.result()  # ended before it started: its error, or a plain stop
                raise RuntimeError("a chat bot stopped while starting")
    finally:
        for task in started:
            task.cancel()
