"""The seam every served chat platform plugs into, as python-telegram-bot's `Base*` classes are: a
`ChatAdapter` has its platform's name, builds itself from the settings when its token is set, runs
(connects and serves until cancelled), and delivers a reply to one of its chats from another thread
(a check-in, a group mix, a notice). Adapters translate and hold no logic; `bot.serve` runs every
enabled one. The console chat (`bot.adapters.console`) runs in the foreground instead.

Also here: the one message splitter, for platforms that cap a message's length.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Protocol

from starlette.routing import BaseRoute

from bot.core.events import Core, Outgoing, Send
from bot.settings import Settings
from storage import Store


class CoreHost(Core, Protocol):
    """The core as the served bots see it (`bot.core_host`): hand it events, and once a platform
    can send, start that platform's jobs (check-ins, group mixes, pruning) with its `deliver`."""

    def start_jobs(self, platform: str, send: Send) -> None: ...

    def close(self) -> None: ...


class ChatAdapter(ABC):
    platform: ClassVar[str]

    def __init__(self, core: Core, on_ready: Callable[[], None] | None = None) -> None:
        self.core = core
        self.on_ready = on_ready  # e.g. start the platform's jobs once the bot can send
        self.started = asyncio.Event()  # set once the bot can receive and send

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, host: CoreHost, store: Store) -> ChatAdapter:
        """The platform's bot as the settings describe it (called only when it is enabled)."""

    @abstractmethod
    async def run(self) -> None:
        """Connect and serve until cancelled; returns (or raises) only if the platform ends."""

    @abstractmethod
    def deliver(self, chat_external_id: str, out: Outgoing) -> None:
        """Send a reply to one chat, from a thread other than the bot's loop; raises when it could
        not be sent, so the caller can retry (a check-in stays claimed until its lease lapses)."""

    def web_routes(self) -> list[BaseRoute]:
        """What the process's web app serves for this platform (Telegram's webhook)."""
        return []

    def _ready(self) -> None:
        """Called by the subclass once the bot can send."""
        self.started.set()
        if self.on_ready is not None:
            self.on_ready()


def jobs_when_ready(host: CoreHost, adapter: ChatAdapter) -> Callable[[], None]:
    """An `on_ready` that starts the platform's jobs, sending through the adapter."""
    return lambda: host.start_jobs(adapter.platform, adapter.deliver)


def split_message(text: str, limit: int) -> list[str]:
    """A message split at line ends into pieces of at most `limit` characters; a single longer
    line (an echoed huge message) is cut. Never empty: an empty text becomes "…"."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        chunks.append(current)
    return chunks or ["…"]


def split_then_mark_up(text: str, limit: int, mark_up: Callable[[str], str]) -> list[str]:
    """`text` split as written, then each piece marked up (escaped) on its own, so that no cut
    falls inside an escape or a tag; a piece whose markup outgrows `limit` is split finer."""
    pieces: list[str] = []
    for piece in split_message(text, limit):
        marked = mark_up(piece)
        if len(marked) <= limit or len(piece) <= 1:
            pieces.append(marked)
        else:  # the markup lengthened it: split that piece with a limit shrunk in proportion
            pieces += split_then_mark_up(piece, max(1, limit * len(piece) // len(marked)), mark_up)
    return pieces


def pack_blocks(blocks: list[tuple[str, int]], limit: int) -> list[str]:
    """Blocks (markup, the size the platform counts) joined by line ends into as few messages as
    fit `limit` each; a block is never cut."""
    messages: list[str] = []
    current, size = "", 0
    for markup, block_size in blocks:
        if current and size + 1 + block_size > limit:
            messages.append(current)
            current, size = "", 0
        current, size = (
            (f"{current}\n{markup}", size + 1 + block_size) if current else (markup, block_size)
        )
    if current:
        messages.append(current)
    return messages
