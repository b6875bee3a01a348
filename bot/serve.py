"""Running the chat bots: the Telegram bot (long polling) with its check-in job, from settings.

`moodwave run` comes here when `MOODWAVE_TELEGRAM_TOKEN` is set. The check-in job starts once the
bot can send, and stops with it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler
from telegram import Update
from telegram.ext import Application

from bot.adapters.telegram import PLATFORM, TelegramAdapter
from bot.app import ConfigurationError, Moodwave
from bot.checkins import CheckInJob, start_scheduler
from bot.settings import Settings
from bot.web import WEBHOOK_PATH, create_web_app

log = logging.getLogger(__name__)


def run_telegram(app: Moodwave, settings: Settings) -> int:
    assert settings.telegram_token is not None
    store = app.store
    schedulers: list[BackgroundScheduler] = []

    def start_checkins() -> None:
        job = CheckInJob(
            store,
            app.conversation,
            PLATFORM,
            adapter.deliver_checkin,
            settings.checkin_answer_window,
        )
        schedulers.append(start_scheduler(job, settings.checkin_poll_seconds))

    adapter = TelegramAdapter(
        app.conversation,
        lambda old, new: store.migrate_chat(PLATFORM, old, new),
        on_ready=start_checkins,
    )
    api = settings.telegram_api_url.rstrip("/")
    application = adapter.build(
        settings.telegram_token.get_secret_value(),
        base_url=f"{api}/bot" if api else None,
        base_file_url=f"{api}/file/bot" if api else None,
    )
    try:
        if settings.telegram_webhook_url:
            asyncio.run(_serve_webhook(application, adapter, settings))
        else:
            log.info("Moodwave on Telegram (long polling)")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)
    return 0


async def _serve_webhook(
    application: Application[Any, Any, Any, Any, Any, Any],
    adapter: TelegramAdapter,
    settings: Settings,
) -> None:
    """Webhook mode: Telegram posts updates to the web app; PTB processes them from its queue."""
    if settings.telegram_webhook_secret is None:
        raise ConfigurationError(
            "MOODWAVE_TELEGRAM_WEBHOOK_URL is set: set MOODWAVE_TELEGRAM_WEBHOOK_SECRET too "
            "(1-256 characters A-Z, a-z, 0-9, _ and -), so forged updates are refused."
        )
    secret = settings.telegram_webhook_secret.get_secret_value()
    url = settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH
    web = create_web_app(application, secret)
    server = uvicorn.Server(
        uvicorn.Config(
            web,
            host=settings.web_host,
            port=settings.web_port,
            log_level="warning",
            access_log=False,
        )
    )
    async with application:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        await adapter.ready(application)
        log.info(
            "Moodwave on Telegram (webhook %s, listening on %s:%d)",
            url,
            settings.web_host,
            settings.web_port,
        )
        try:
            await server.serve()
        finally:
            await application.stop()
