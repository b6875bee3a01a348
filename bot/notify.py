"""Messages the bot sends on its own, outside a reply: today, "your playlist is on Spotify now" once
a playlist that Spotify's rate limit delayed has been created.

Each running adapter registers how it sends to one of its chats; a notice for a platform that is not
running (the console closed, say) is logged and dropped, since the person already has their links.
"""

from __future__ import annotations

import logging

from bot.core.events import Outgoing, Send

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self) -> None:
        self._senders: dict[str, Send] = {}

    def register(self, platform: str, send: Send) -> None:
        self._senders[platform] = send

    def send(self, platform: str, chat_external_id: str, out: Outgoing) -> bool:
        sender = self._senders.get(platform)
        if sender is None:
            log.info(
                "no %s adapter running; notice for chat %s dropped", platform, chat_external_id
            )
            return False
        try:
            sender(chat_external_id, out)
        except Exception:  # a notice is a courtesy: never let it break the caller
            log.exception("could not send a notice to %s chat %s", platform, chat_external_id)
            return False
        return True
