"""The Telegram adapter itself: PTB's application, its handlers, polling or the webhook, and
sending (with the chat followed when a group became a supergroup)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute
from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, NetworkError, TelegramError
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters.base import ChatAdapter, CoreHost, jobs_when_ready
from bot.adapters.telegram.chat_actions import typing_in
from bot.adapters.telegram.handback import HandBacks
from bot.adapters.telegram.menu import register_commands
from bot.adapters.telegram.messages import PLATFORM, incoming, keyboard, render_text
from bot.adapters.telegram.ordering import ChatOrderedUpdateProcessor
from bot.adapters.telegram.rate_limit import ProcessRateLimiter, rate_limiter
from bot.core import replies
from bot.core.events import (
    Command,
    Core,
    DeliveryUncertain,
    NotHandledNow,
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
# How long a send from another thread (a check-in, a mix, a notice) waits for Telegram's answer.
DELIVER_TIMEOUT_S = 60.0
# Telegram's getFile serves at most 20 MB; a voice note that size is hours long anyway.
MAX_VOICE_BYTES = 20 * 1024 * 1024
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
        release_update: Callable[[str], bool] | None = None,
        update_lease_s: float = 60.0,
    ) -> None:
        super().__init__(core, on_ready)
        # Replies carry allow_paid_broadcast: Telegram's 30 messages a second become 1000 (paid).
        self.paid_broadcast = paid_broadcast
        self.migrate_chat = migrate_chat
        self.finish_update = finish_update  # e.g. mark the update's claim done (replicas)
        # Updates the core could not handle now: apologised for once, handed back for a redelivery.
        self.hand_backs = HandBacks(release_update, update_lease_s)
        self.application: Application | None = None
        self.webhook: Webhook | None = None  # None: long polling
        self._loop: asyncio.AbstractEventLoop | None = None
        self.deliver_timeout_s = DELIVER_TIMEOUT_S

    # -- wiring --------------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, host: CoreHost, store: Store) -> TelegramAdapter:
        assert settings.telegram_token is not None
        adapter = cls(
            host,
            lambda old, new: store.migrate_chat(PLATFORM, old, new),
            finish_update=lambda update_id: store.finish_update(PLATFORM, update_id),
            paid_broadcast=settings.telegram_paid_broadcast,
            release_update=lambda update_id: store.release_update(PLATFORM, update_id),
            update_lease_s=settings.update_lease.total_seconds(),
        )
        adapter.on_ready = jobs_when_ready(host, adapter)
        api = settings.telegram_api_url.rstrip("/")
        token = settings.telegram_token.get_secret_value()
        adapter.build(
            token,
            base_url=f"{api}/bot" if api else None,
            base_file_url=f"{api}/file/bot" if api else None,
            limiter=rate_limiter(settings.redis_url, token),
        )
        if settings.telegram_webhook_url:
            adapter.webhook = Webhook(
                settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH,
                webhook_secret(settings),
                adapter.hand_backs.webhook_state(
                    lambda update_id: store.update_state(PLATFORM, update_id)
                ),
                retry_after_s=max(1, math.ceil(settings.update_lease.total_seconds() / 4)),
            )
        return adapter

    def build(
        self,
        token: str,
        base_url: str | None = None,
        base_file_url: str | None = None,
        limiter: BaseRateLimiter[int] | None = None,
    ) -> Application:
        """PTB's application; `limiter` keeps Telegram's sending limits (this process's own when
        None; `rate_limit.SharedRateLimiter` shares them with the other replicas)."""
        builder = (
            Application.builder()
            .token(token)
            .rate_limiter(limiter or ProcessRateLimiter(max_retries=3))
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
        await register_commands(app)
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
        async with self.typing(message.chat_id):  # the download, the transcript, the playlist
            file = await context.bot.get_file(audio.file_id)
            data = bytes(await file.download_as_bytearray())
            outs = await self._handle(update, VoiceNote(data, audio.mime_type or "audio/ogg"))
        for out in outs:
            await self._send(message.chat_id, out)

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
        update_id = str(update.update_id)
        if self.hand_backs.pending(update_id):  # not handled: its redelivery is
            requeue = None if self.webhook or not self.application else self._requeue
            await self.hand_backs.hand_back(update, requeue)
            return
        self.hand_backs.finished(update_id)
        try:
            await asyncio.to_thread(self.finish_update, update_id)
        except Exception:  # the lease runs out and a redelivery handles the update again
            log.exception("could not mark Telegram update %s handled", update.update_id)

    def _requeue(self, update: Update) -> None:
        assert self.application is not None
        self.application.update_queue.put_nowait(update)

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
        if (
            isinstance(context.error, NotHandledNow)
            and update_id is not None
            and not self.hand_backs.first_apology(str(update_id))
        ):
            return  # apologised for at its first try; a redelivery failed again
        if chat is not None:
            try:
                await self._send(chat.id, Outgoing(replies.APOLOGY))
            except TelegramError:
                log.warning("could not send the apology to chat %s", chat.id)

    async def _dispatch(self, update: Update, payload: Payload) -> None:
        chat = update.effective_chat
        async with self.typing(chat.id if chat is not None and builds_playlist(payload) else None):
            outs = await self._handle(update, payload)
        if chat is not None:
            for out in outs:
                await self._send(chat.id, out)

    def typing(self, chat_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        """ "typing..." in the chat while the block runs (nothing where `chat_id` is None)."""
        if chat_id is None or self.application is None:
            return contextlib.nullcontext()
        return typing_in(self.application.bot, chat_id)

    async def _handle(self, update: Update, payload: Payload) -> list[Outgoing]:
        event = incoming(update, payload)
        if event is None:
            return []
        try:
            return await asyncio.to_thread(self.core.handle, event)
        except NotHandledNow:
            self.hand_backs.failed(str(update.update_id))  # on_handled hands it back
            raise

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
        bot's loop and wait for it. Telegram's refusal is the caller's to retry; a send without an
        answer in time is cancelled (what has not gone yet stays unsent) and raises
        `DeliveryUncertain`, since its message may have reached the chat all the same."""
        if self._loop is None:
            raise RuntimeError("the Telegram bot is not running yet")
        future = asyncio.run_coroutine_threadsafe(self._send(chat_external_id, out), self._loop)
        try:
            future.result(timeout=self.deliver_timeout_s)
        except TimeoutError:
            future.cancel()
            raise DeliveryUncertain(
                f"Telegram did not answer within {self.deliver_timeout_s:g} s"
            ) from None
        except NetworkError as exc:
            if isinstance(exc, BadRequest):  # Telegram answered: nothing was sent
                raise
            raise DeliveryUncertain(f"the connection to Telegram failed mid-send: {exc}") from exc


def builds_playlist(payload: Payload) -> bool:
    """A mood to read and a playlist to build (a text, or a /fix), so "typing..." meanwhile."""
    return isinstance(payload, TextMessage) or (
        isinstance(payload, Command) and payload.name == "fix"
    )


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
