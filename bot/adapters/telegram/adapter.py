"""The Telegram adapter itself: PTB's application, its handlers, polling or the webhook, and
sending (with the chat followed when a group became a supergroup)."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute
from telegram import (
    BotCommand,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters.base import ChatAdapter, CoreHost, jobs_when_ready
from bot.adapters.telegram.messages import PLATFORM, incoming, keyboard, render_text
from bot.adapters.telegram.ordering import ChatOrderedUpdateProcessor
from bot.core import replies
from bot.core.events import (
    Command,
    Core,
    Outgoing,
    Payload,
    TextMessage,
    VoiceNote,
    decode_action,
)
from bot.settings import ConfigurationError, Settings
from bot.web import WEBHOOK_PATH, UpdateState, telegram_webhook_routes
from storage import Store

log = logging.getLogger(__name__)

# Updates of different chats handled at once: the core runs in threads (database, model), so a
# few in flight keep both the cores and the database busy while one waits.
CONCURRENT_UPDATES = 8
# Telegram's getFile serves at most 20 MB; a voice note that size is hours long anyway.
MAX_VOICE_BYTES = 20 * 1024 * 1024
COMMANDS = {
    "start": "what Moodwave does",
    "help": "how to use Moodwave",
    "mode": "what the music should do with your mood",
    "privacy": "research consent: see or change",
    "language": "the language of Moodwave's replies",
    "forget": "delete everything Moodwave stored about you",
    "feel": "answer the check-in: how do you feel now?",
}

Migrate = Callable[[str, str], None]


class TelegramAdapter(ChatAdapter):
    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        migrate_chat: Migrate,
        on_ready: Callable[[], None] | None = None,
        finish_update: Callable[[str], object] | None = None,
        paid_broadcast: bool = False,
    ) -> None:
        super().__init__(core, on_ready)
        # Replies carry allow_paid_broadcast: Telegram's 30 messages a second become 1000 (paid).
        self.paid_broadcast = paid_broadcast
        self.migrate_chat = migrate_chat
        self.finish_update = finish_update  # e.g. mark the update's claim done (replicas)
        self.application: Application | None = None
        self.webhook: Webhook | None = None  # None: long polling
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- wiring --------------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, host: CoreHost, store: Store) -> TelegramAdapter:
        assert settings.telegram_token is not None
        adapter = cls(
            host,
            lambda old, new: store.migrate_chat(PLATFORM, old, new),
            finish_update=lambda update_id: store.finish_update(PLATFORM, update_id),
            paid_broadcast=settings.telegram_paid_broadcast,
        )
        adapter.on_ready = jobs_when_ready(host, adapter)
        api = settings.telegram_api_url.rstrip("/")
        adapter.build(
            settings.telegram_token.get_secret_value(),
            base_url=f"{api}/bot" if api else None,
            base_file_url=f"{api}/file/bot" if api else None,
        )
        if settings.telegram_webhook_url:
            adapter.webhook = Webhook(
                settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH,
                webhook_secret(settings),
                lambda update_id: store.update_state(PLATFORM, update_id),
                retry_after_s=max(1, math.ceil(settings.update_lease.total_seconds() / 4)),
            )
        return adapter

    def build(
        self, token: str, base_url: str | None = None, base_file_url: str | None = None
    ) -> Application:
        builder = (
            Application.builder()
            .token(token)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .concurrent_updates(ChatOrderedUpdateProcessor(CONCURRENT_UPDATES))
        )
        if base_url:
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        app = builder.post_init(self.ready).build()
        app.add_handler(MessageHandler(filters.COMMAND, self.on_command))
        app.add_handler(MessageHandler(filters.VOICE | filters.AUDIO, self.on_voice))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)
        if self.finish_update is not None:  # group 1: after the handler above and its replies
            app.add_handler(TypeHandler(Update, self.on_handled), group=1)
        self.application = app
        return app

    async def ready(self, app: Application) -> None:
        """Once the bot can send (PTB's post_init in polling mode; called by `run`)."""
        self._loop = asyncio.get_running_loop()
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS.items()])
        self._ready()

    async def run(self) -> None:
        """Start receiving (the webhook set, or long polling) and serve until cancelled."""
        application = self.application
        if application is None:
            raise RuntimeError("build() the Telegram application before running it")
        async with application:
            if self.webhook is not None:
                await application.bot.set_webhook(
                    self.webhook.url,
                    secret_token=self.webhook.secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info("Moodwave on Telegram (webhook %s)", self.webhook.url)
            else:
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
                log.info("Moodwave on Telegram (long polling)")
            await application.start()
            await self.ready(application)
            try:
                await asyncio.Event().wait()  # until cancelled
            finally:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                await application.stop()

    def web_routes(self) -> list[BaseRoute]:
        if self.webhook is None or self.application is None:
            return []
        return telegram_webhook_routes(
            self.application,
            self.webhook.secret,
            self.webhook.update_state,
            retry_after_s=self.webhook.retry_after_s,
        )

    # -- updates in ----------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        word, *args = message.text.split()
        name = word[1:].split("@", 1)[0].lower()
        await self._dispatch(update, Command(name, tuple(args)))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await self._dispatch(update, TextMessage(message.text))

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        audio = message.voice or message.audio
        if audio is None:
            return
        if (audio.file_size or 0) > MAX_VOICE_BYTES:
            await self._send(message.chat_id, Outgoing(replies.VOICE_TOO_BIG))
            return
        file = await context.bot.get_file(audio.file_id)
        data = bytes(await file.download_as_bytearray())
        await self._dispatch(update, VoiceNote(data, audio.mime_type or "audio/ogg"))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        payload = decode_action(query.data or "")
        if payload is None:
            await query.answer("That button no longer works, sorry.")
            return
        outs = await self._handle(update, payload)
        if outs and all(o.meta.get("notice") for o in outs):
            # A reaction or a rating is acknowledged in place (a small notice), not in the chat.
            await query.answer(outs[0].text[:200] if outs else None)
            return
        await query.answer()
        chat = update.effective_chat
        if chat is not None:
            for out in outs:
                await self._send(chat.id, out)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            await asyncio.to_thread(
                self.migrate_chat, str(message.chat_id), str(message.migrate_to_chat_id)
            )

    async def on_handled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every handler of the update ran (its replies, or an apology, were sent)."""
        assert self.finish_update is not None
        try:
            await asyncio.to_thread(self.finish_update, str(update.update_id))
        except Exception:  # the lease runs out and a redelivery handles the update again
            log.exception("could not mark Telegram update %s handled", update.update_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "error handling Telegram update %s in chat %s: %r",
            update_id,
            chat.id if chat else None,
            context.error,
            exc_info=context.error,
        )
        if chat is not None:
            try:
                await self._send(chat.id, Outgoing(replies.APOLOGY))
            except TelegramError:
                log.warning("could not send the apology to chat %s", chat.id)

    async def _dispatch(self, update: Update, payload: Payload) -> None:
        outs = await self._handle(update, payload)
        chat = update.effective_chat
        if chat is not None:
            for out in outs:
                await self._send(chat.id, out)

    async def _handle(self, update: Update, payload: Payload) -> list[Outgoing]:
        event = incoming(update, payload)
        if event is None:
            return []
        return await asyncio.to_thread(self.core.handle, event)

    # -- replies out ---------------------------------------------------------------------------

    async def _send(self, chat_id: int | str, out: Outgoing) -> Message | None:
        assert self.application is not None
        bot = self.application.bot
        chunks = render_text(out)
        sent: Message | None = None
        for i, chunk in enumerate(chunks):
            markup = keyboard(out) if i == len(chunks) - 1 else None
            try:
                sent = await bot.send_message(
                    chat_id,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    disable_web_page_preview=True,
                    allow_paid_broadcast=self.paid_broadcast or None,
                )
            except ChatMigrated as migrated:
                new_id = migrated.new_chat_id
                await asyncio.to_thread(self.migrate_chat, str(chat_id), str(new_id))
                chat_id = new_id
                sent = await bot.send_message(
                    chat_id,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    disable_web_page_preview=True,
                    allow_paid_broadcast=self.paid_broadcast or None,
                )
        return sent

    def deliver(self, chat_external_id: str, out: Outgoing) -> None:
        """Called from another thread (the check-in job, a finished Spotify playlist): send on the
        bot's loop and wait for it, so a failure is the caller's to retry (a check-in stays
        claimed but unsent, and its lease retries it)."""
        if self._loop is None:
            raise RuntimeError("the Telegram bot is not running yet")
        future = asyncio.run_coroutine_threadsafe(self._send(chat_external_id, out), self._loop)
        future.result(timeout=60)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram sends updates (instead of long polling), and how the route answers."""

    url: str
    secret: str
    update_state: UpdateState
    retry_after_s: int


WEBHOOK_SECRET_MIN_CHARS = 16
WEBHOOK_SECRET_CHARS = re.compile(r"[A-Za-z0-9_-]{1,256}")
PLACEHOLDERS = ("changeme", "replaceme", "placeholder", "yoursecret", "example")


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret, refused when it is missing, short, a placeholder (the example's
    `change-me`) or not what Telegram accepts: forged updates would then be handled."""
    secret = settings.telegram_webhook_secret
    value = secret.get_secret_value() if secret is not None else ""
    squashed = re.sub(r"[-_]", "", value).lower()
    if (
        len(value) < WEBHOOK_SECRET_MIN_CHARS
        or not WEBHOOK_SECRET_CHARS.fullmatch(value)
        or any(word in squashed for word in PLACEHOLDERS)
        or len(set(value)) == 1
    ):
        raise ConfigurationError(
            "MOODWAVE_TELEGRAM_WEBHOOK_URL is set: set MOODWAVE_TELEGRAM_WEBHOOK_SECRET to a random "
            f"secret of {WEBHOOK_SECRET_MIN_CHARS}-256 characters A-Z, a-z, 0-9, _ and - (not a "
            "placeholder such as change-me), so forged updates are refused; for example "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
        )
    return value
