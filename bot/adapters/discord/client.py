"""The discord.py client that knows its adapter, and the persistent buttons it renders: a button's
custom id carries the core's action string, so it is rebuilt from the id on every press and keeps
working after a restart without any view kept in memory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.adapters.discord.buttons import ButtonSpec, button_rows
from bot.adapters.discord.text import render_text
from bot.core.events import Outgoing, Payload

ACTION_PREFIX = "mw:"  # keeps our custom ids apart from any other component's


class ClientEvents(Protocol):
    """What the client and its buttons and commands hand their events to (the adapter)."""

    async def ready(self) -> None: ...

    async def on_message(self, message: discord.Message) -> None: ...

    async def on_button(self, interaction: discord.Interaction[Any], action: str) -> None: ...

    async def on_command(self, interaction: discord.Interaction[Any], payload: Payload) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(ACTION_PREFIX) + r"(?P<action>\S{1,64})",
):
    """A button whose custom id is the core's action string: rebuilt from the id on every press,
    so it needs no state in the process and survives restarts."""

    def __init__(
        self,
        action: str,
        label: str | None = None,
        emoji: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=ACTION_PREFIX + action,
            ),
            row=row,
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        client = interaction.client
        if isinstance(client, MoodwaveClient):
            await client.adapter.on_button(interaction, self.action)


def button_view(rows: Sequence[Sequence[ButtonSpec]]) -> discord.ui.View | None:
    """A view of dynamic buttons; it holds no state, so nothing is kept per message sent."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for spec in row:
            if spec.url is not None:
                view.add_item(discord.ui.Button(label=spec.label, url=spec.url, row=index))
            elif spec.action is not None:
                view.add_item(ActionButton(spec.action, spec.label[:80], spec.emoji, row=index))
    return view


class MoodwaveClient(discord.Client):
    """A discord.py client that knows its adapter, so dynamic buttons can reach it."""

    def __init__(self, adapter: ClientEvents) -> None:
        # Default intents are enough: Discord gives a bot the content of direct messages and of
        # messages that mention it without the privileged message-content intent.
        super().__init__(
            intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none()
        )
        self.adapter = adapter
        self.tree: app_commands.CommandTree[MoodwaveClient] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)
        await self.adapter.ready()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)


def reply_messages(out: Outgoing) -> list[tuple[str, discord.ui.View | None]]:
    """The messages one reply becomes: its text in chunks, the buttons under the last one."""
    chunks = render_text(out)
    view = button_view(button_rows(out))
    return [(chunk, view if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]


def view_kwargs(view: discord.ui.View | None) -> dict[str, Any]:
    # discord.py's send() refuses view=None; leaving it out means "no buttons".
    return {"view": view} if view is not None else {}
