"""Chat actions: "typing..." in a chat while Moodwave reads a mood (a text, a voice note) and builds
its playlist."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# Telegram shows "typing..." for 5 seconds or until the bot's next message: renewed while work goes on.
TYPING_RENEW_S = 4.5
# A reply waits at most this long for its "typing..." to reach Telegram, so the action never lands
# after the reply (and shows "typing..." under an answered message).
TYPING_SETTLE_S = 2.0


@contextlib.asynccontextmanager
async def typing_in(bot: Bot, chat_id: int | str) -> AsyncIterator[None]:
    """ "typing..." in the chat while the block runs, renewed every few seconds. It is a hint: a
    failure is only logged, and the rate limiters let it pass without taking a reply's place."""
    done = asyncio.Event()
    task = asyncio.create_task(_keep_typing(bot, chat_id, done))
    try:
        yield
    finally:
        done.set()
        await asyncio.wait({task}, timeout=TYPING_SETTLE_S)


async def _keep_typing(bot: Bot, chat_id: int | str, done: asyncio.Event) -> None:
    while not done.is_set():
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            log.debug("no typing action in chat %s: %s", chat_id, error)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), TYPING_RENEW_S)
