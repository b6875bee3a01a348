"""Discord interactions and messages as the core's `Incoming` events."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.events import ChatKind, ChatRef, Command, Incoming, Payload, TextMessage, UserRef

PLATFORM = "discord"


def interaction_event(interaction: discord.Interaction[Any], payload: Payload) -> Incoming:
    private = interaction.guild_id is None
    channel = interaction.channel
    title = None if private else getattr(channel, "name", None)
    return Incoming(
        PLATFORM,
        ChatRef(
            str(interaction.channel_id), ChatKind.PRIVATE if private else ChatKind.GROUP, title
        ),
        UserRef(str(interaction.user.id), interaction.user.display_name),
        payload,
        str(interaction.id),
        _locale(interaction),
    )


def _locale(interaction: discord.Interaction[Any]) -> str | None:
    """The person's Discord language ("es-ES", "pt-BR"): replies follow it unless /language."""
    locale = getattr(interaction, "locale", None)
    return getattr(locale, "value", None) or (str(locale) if locale else None)


def message_event(message: discord.Message, payload: Payload, title: str | None) -> Incoming:
    channel = message.channel
    private = isinstance(channel, discord.DMChannel)
    return Incoming(
        PLATFORM,
        ChatRef(str(channel.id), ChatKind.PRIVATE if private else ChatKind.GROUP, title),
        UserRef(str(message.author.id), message.author.display_name),
        payload,
        str(message.id),
    )


def text_payload(text: str) -> Payload:
    """A typed "/mode lift" is the command (Discord sends it as text when it is not picked from
    the slash-command menu); anything else is free text."""
    if text.startswith("/") and len(text) > 1:
        word, *args = text[1:].split()
        return Command(word.lower(), tuple(args))
    return TextMessage(text)


def voice_attachment(message: discord.Message) -> discord.Attachment | None:
    for attachment in message.attachments:
        kind = attachment.content_type or ""
        if attachment.is_voice_message() or kind.startswith("audio/"):
            return attachment
    return None
