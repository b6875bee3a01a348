"""Running the chat bots from settings: Telegram (long polling or webhook), Discord, or both in one
process, each with its own check-in job, plus the web app when something needs it (Telegram's
webhook, Spotify's account-linking callback).

`moodwave run` comes here when `MOODWAVE_TELEGRAM_TOKEN` or `MOODWAVE_DISCORD_TOKEN` is set. Every
check-in job starts once its bot can send, and all stop with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn
from starlette.routing import BaseRoute
from telegram import Update
from telegram.ext import Application

from bot.adapters import discord as discord_adapter
from bot.adapters import telegram as telegram_adapter
from bot.app import (
    ConfigurationError,
    build_app,
    build_spotify_services,
    open_store,
    settle_heap,
)
from bot.core_host import CoreHost, InProcessCore
from bot.notify import Notifier
from bot.settings import Settings
from bot.web import WEBHOOK_PATH, telegram_webhook_routes, web_app
from recommender.spotify import SpotifyServices
from storage import Store

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


WAITING_THREADS = 32  # more than the events a bot keeps in flight (8 Telegram updates at once)


class Bots:
    """What `moodwave run` starts: the platforms' adapters, around a core in this process or in a
    process of its own (`bot.core_host`)."""

    def __init__(
        self,
        settings: Settings,
        core: CoreHost,
        store: Store,
        spotify: SpotifyServices | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.core = core
        self.store = store  # the update claims' bookkeeping and chat migrations, done here
        self.spotify = spotify  # its account-linking callback is served by this process's web app
        self._close = close
        # The event loop's worker threads, where the adapters call the core: the core itself when
        # it is in this process; else they only wait for its answers, one per event in flight.
        self.core_threads = (
            settings.core_threads if isinstance(core, InProcessCore) else WAITING_THREADS
        )

    def telegram(self) -> tuple[telegram_adapter.TelegramAdapter, TelegramApp]:
        settings, store = self.settings, self.store
        assert settings.telegram_token is not None
        platform = telegram_adapter.PLATFORM
        adapter = telegram_adapter.TelegramAdapter(
            self.core,
            lambda old, new: store.migrate_chat(platform, old, new),
            on_ready=lambda: self.core.start_jobs(platform, adapter.deliver),
            finish_update=lambda update_id: store.finish_update(platform, update_id),
            paid_broadcast=settings.telegram_paid_broadcast,
        )
        api = settings.telegram_api_url.rstrip("/")
        application = adapter.build(
            settings.telegram_token.get_secret_value(),
            base_url=f"{api}/bot" if api else None,
            base_file_url=f"{api}/file/bot" if api else None,
        )
        return adapter, application

    def discord(self) -> discord_adapter.DiscordAdapter:
        platform = discord_adapter.PLATFORM
        adapter = discord_adapter.DiscordAdapter(
            self.core, on_ready=lambda: self.core.start_jobs(platform, adapter.deliver)
        )
        return adapter

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
    routes: list[BaseRoute] = []
    async with contextlib.AsyncExitStack() as stack:
        if settings.telegram_token is not None:
            adapter, application = bots.telegram()
            await stack.enter_async_context(_telegram_running(adapter, application, settings))
            if settings.telegram_webhook_url:
                store, platform = bots.store, telegram_adapter.PLATFORM
                routes += telegram_webhook_routes(
                    application,
                    _webhook_secret(settings),
                    lambda update_id: store.update_state(platform, update_id),
                    retry_after_s=max(1, math.ceil(settings.update_lease.total_seconds() / 4)),
                )
        if bots.spotify is not None:
            from recommender.spotify import callback_routes

            routes += callback_routes(bots.spotify.accounts)
        tasks = []
        if settings.discord_token is not None:
            discord = bots.discord()
            tasks.append(
                asyncio.create_task(discord.start(settings.discord_token.get_secret_value()))
            )
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
            tasks.append(asyncio.create_task(server.serve()))
        if not tasks:  # Telegram by long polling alone: wait until interrupted
            tasks.append(asyncio.create_task(_forever()))
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a bot that stopped with an error says so


@contextlib.asynccontextmanager
async def _telegram_running(
    adapter: telegram_adapter.TelegramAdapter, application: TelegramApp, settings: Settings
) -> AsyncIterator[None]:
    async with application:
        if settings.telegram_webhook_url:
            url = settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH
            await application.bot.set_webhook(
                url, secret_token=_webhook_secret(settings), allowed_updates=Update.ALL_TYPES
            )
            log.info("Moodwave on Telegram (webhook %s)", url)
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.info("Moodwave on Telegram (long polling)")
        await application.start()
        await adapter.ready(application)
        try:
            yield
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()


def _webhook_secret(settings: Settings) -> str:
    if settings.telegram_webhook_secret is None:
        raise ConfigurationError(
            "MOODWAVE_TELEGRAM_WEBHOOK_URL is set: set MOODWAVE_TELEGRAM_WEBHOOK_SECRET too "
            "(1-256 characters A-Z, a-z, 0-9, _ and -), so forged updates are refused."
        )
    return settings.telegram_webhook_secret.get_secret_value()


async def _forever() -> None:
    await asyncio.Event().wait()
