"""The chat platforms: each adapter turns its platform's updates into the core's `Incoming` events
and renders the core's `Outgoing` replies, holding no logic of its own.

- `base`: `ChatAdapter` (the seam a served platform implements), `CoreHost`, `split_message`;
- `telegram`, `discord`: the served platforms; `console`: the terminal chat;
- `PLATFORMS` below: the served platforms, each with the setting that switches it on.

A new platform is one module with a `ChatAdapter` subclass, its token setting in `bot.settings`,
and one line in `PLATFORMS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.adapters.base import ChatAdapter
    from bot.settings import Settings


@dataclass(frozen=True)
class Platform:
    """A served platform: its adapter class ("module:Class", imported only when enabled) and the
    setting that enables it (set, not None)."""

    adapter: str
    setting: str

    def enabled(self, settings: Settings) -> bool:
        return getattr(settings, self.setting) is not None

    def adapter_class(self) -> type[ChatAdapter]:
        module, name = self.adapter.split(":")
        found: type[ChatAdapter] = getattr(importlib.import_module(module), name)
        return found


PLATFORMS = (
    Platform("bot.adapters.telegram:TelegramAdapter", "telegram_token"),
    Platform("bot.adapters.discord:DiscordAdapter", "discord_token"),
)


def enabled_platforms(settings: Settings) -> list[Platform]:
    return [platform for platform in PLATFORMS if platform.enabled(settings)]
