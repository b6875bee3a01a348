"""The Telegram adapter: python-telegram-bot (v22) updates in, the core's replies out.

It translates, and nothing more: a message, command, voice note or button press becomes one
`Incoming` event; each `Outgoing` becomes a message with an inline keyboard (a row of reaction
buttons per song, then the reply's own buttons). The core is synchronous (database, model), so it
runs in a worker thread and never blocks the event loop. Updates are processed in order, one at a
time, so one person's messages keep their order. Outgoing rate limits (about 30 messages a second
across all chats and 20 a minute in a group, Telegram's limits, or up to 1000 a second with paid
broadcasts switched on) are kept by PTB's `AIORateLimiter` in one process, or shared by every
replica through Redis when `MOODWAVE_REDIS_URL` is set (`rate_limit`); either waits out Telegram's
`retry_after`. Every command is in Telegram's menu (`menu`), and "typing..." shows while a mood is
read and its playlist built (`chat_actions`). A group that became a supergroup is followed to its
new chat id. It receives updates by long polling, or through the web
app's webhook route when `MOODWAVE_TELEGRAM_WEBHOOK_URL` is set.
"""

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.messages import PLATFORM, incoming, keyboard, render_text
from bot.adapters.telegram.ordering import ChatOrderedUpdateProcessor

__all__ = [
    "PLATFORM",
    "ChatOrderedUpdateProcessor",
    "TelegramAdapter",
    "incoming",
    "keyboard",
    "render_text",
]
