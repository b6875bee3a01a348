"""The Discord adapter itself: interactions and messages in, through the core, replies out."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.base import ChatAdapter, CoreHost, jobs_when_ready
from bot.adapters.discord.client import MoodwaveClient, reply_messages, view_kwargs
from bot.adapters.discord.commands import CatalogueTranslator, register_commands
from bot.adapters.discord.incoming import (
    PLATFORM,
    interaction_event,
    message_event,
    text_payload,
    voice_attachment,
)
from bot.core import replies
from bot.core.events import (
    Core,
    DeliveryUncertain,
    Incoming,
    Outgoing,
    Payload,
    VoiceNote,
    answered_in_place,
    decode_action,
)
from bot.core.owners import is_owned
from bot.settings import Settings
from storage import Store

log = logging.getLogger(__name__)

# The same cap as on Telegram: a voice message that size is far longer than a mood needs.
MAX_VOICE_BYTES = 20 * 1024 * 1024
STALE_BUTTON = "That button no longer works, sorry."


class DiscordAdapter(ChatAdapter):
    platform = PLATFORM

    def __init__(
        self,
        core: Core,
        on_ready: Callable[[], None] | None = None,
        sync_commands: bool = True,
        token: str | None = None,
    ) -> None:
        super().__init__(core, on_ready)
        self.sync_at_start = sync_commands  # off where an operator syncs them by hand
        self.token = token  # what `run` logs in with
        self.client: MoodwaveClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.deliver_timeout_s = 60.0  # a send from another thread waits this long for Discord

    # -- wiring --------------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, host: CoreHost, store: Store) -> DiscordAdapter:
        assert settings.discord_token is not None
        adapter = cls(host, token=settings.discord_token.get_secret_value())
        adapter.on_ready = jobs_when_ready(host, adapter)
        return adapter

    async def run(self) -> None:
        if self.token is None:
            raise RuntimeError("the Discord adapter has no token to log in with")
        await self.start(self.token)

    def build(self) -> MoodwaveClient:
        client = MoodwaveClient(self)
        register_commands(client.tree, self)
        client.tree.error(self.on_command_error)
        self.client = client
        return client

    async def start(self, token: str) -> None:
        """Log in, connect to the gateway and serve until the client is closed."""
        client = self.client or self.build()
        async with client:
            await client.start(token)

    async def sync_commands(self) -> None:
        """Publish the slash commands. An unchanged set costs nothing against Discord's daily
        limit; a failure is logged, and the commands of the last sync keep working."""
        assert self.client is not None
        try:
            if self.client.tree.translator is None:
                await self.client.tree.set_translator(CatalogueTranslator())
            synced = await self.client.tree.sync()
            log.info("synced %d Discord slash commands", len(synced))
        except discord.HTTPException as exc:
            log.error("could not sync Discord slash commands: %s %s", exc.status, exc.code)

    async def ready(self) -> None:
        """Once logged in (discord.py's setup hook): the bot can send over HTTP from here on."""
        self._loop = asyncio.get_running_loop()
        if self.sync_at_start:
            await self.sync_commands()
        self._ready()

    # -- interactions in -----------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], payload: Payload) -> None:
        await self._answer(interaction, payload, ephemeral=False)

    async def on_button(self, interaction: discord.Interaction[Any], action: str) -> None:
        payload = decode_action(action)
        if payload is None:
            await interaction.response.send_message(STALE_BUTTON, ephemeral=True)
            return
        # A reaction is acknowledged just to the presser, not with a message for the channel.
        # So is a press of a button that acts for one person (consent, forget): in a server
        # channel, someone else's press is refused where only they see it.
        ephemeral = answered_in_place(payload) or is_owned(payload)
        await self._answer(interaction, payload, ephemeral=ephemeral)

    async def on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Errors discord.py catches before our callbacks run (a stale command, bad options)."""
        name = interaction.command.name if interaction.command else None
        log.error(
            "error in Discord command %s (interaction %s, channel %s): %r",
            name,
            interaction.id,
            interaction.channel_id,
            error,
            exc_info=error,
        )
        await self._apologise(interaction)

    async def _answer(
        self, interaction: discord.Interaction[Any], payload: Payload, ephemeral: bool
    ) -> None:
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.HTTPException as exc:
            log.info(
                "Discord interaction %s not acknowledged here (%s %s): answered elsewhere or expired",
                interaction.id,
                exc.status,
                exc.code,
            )
            return
        replied = False
        try:
            outs = await self._handle(interaction_event(interaction, payload))
            if not outs:  # the core dropped it as a redelivery: take the "thinking" notice away
                await interaction.delete_original_response()
                return
            messages = [m for out in outs for m in reply_messages(out)]
            if ephemeral:  # a reaction's note: one line is all it needs
                messages = messages[:1]
            (text, view), *rest = messages
            await interaction.edit_original_response(content=text, view=view)
            replied = True
            for text, view in rest:
                await interaction.followup.send(text, ephemeral=ephemeral, **view_kwargs(view))
        except Exception:
            log.exception(
                "failed to answer Discord %s (interaction %s, channel %s)",
                type(payload).__name__,
                interaction.id,
                interaction.channel_id,
            )
            await self._apologise(interaction, replace_thinking=not replied)

    async def _apologise(
        self, interaction: discord.Interaction[Any], replace_thinking: bool = False
    ) -> None:
        """The apology where the person is looking: in place of the "thinking" notice while it is
        still there, else as a note only they see."""
        try:
            if replace_thinking:
                await interaction.edit_original_response(content=replies.APOLOGY, view=None)
            elif interaction.response.is_done():
                await interaction.followup.send(replies.APOLOGY, ephemeral=True)
            else:
                await interaction.response.send_message(replies.APOLOGY, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning(
                "could not send the apology for interaction %s: %s", interaction.id, exc.status
            )

    # -- messages in ---------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if not self._is_for_us(message):
            return
        try:
            payload = await self._message_payload(message)
            if payload is None:
                return
            title = await self._channel_title(message.channel)
            async with message.channel.typing():
                outs = await self._handle(message_event(message, payload, title))
            for out in outs:
                await self._send(message.channel, out)
        except Exception:
            log.exception(
                "failed to answer Discord message %s in channel %s",
                message.id,
                message.channel.id,
            )
            await self._send_apology(message.channel)

    def _is_for_us(self, message: discord.Message) -> bool:
        """Direct messages from people; in servers only messages addressed to the bot, so it
        does not read a whole channel's conversation as moods."""
        me = self.client.user if self.client else None
        if me is None or message.author.bot or message.author.id == me.id:
            return False
        if isinstance(message.channel, discord.DMChannel):
            return True
        if any(user.id == me.id for user in message.mentions):
            return True
        replied = message.reference.resolved if message.reference else None
        return isinstance(replied, discord.Message) and replied.author.id == me.id

    async def _message_payload(self, message: discord.Message) -> Payload | None:
        attachment = voice_attachment(message)
        if attachment is None:
            return text_payload(self._without_mention(message.content))
        if attachment.size > MAX_VOICE_BYTES:
            await self._send(message.channel, Outgoing(replies.VOICE_TOO_BIG))
            return None
        audio = await attachment.read()
        return VoiceNote(audio, attachment.content_type or "audio/ogg")

    async def _channel_title(self, channel: discord.abc.Messageable) -> str | None:
        """A server channel's name; fetched when the channel is not in the client's cache (it
        is when the gateway sent the server's channels, as it does on connect)."""
        if isinstance(channel, discord.DMChannel):
            return None
        name = getattr(channel, "name", None)
        if (
            name is not None
            or self.client is None
            or not isinstance(channel, discord.PartialMessageable)
        ):
            return name
        try:
            fetched = await self.client.fetch_channel(channel.id)
        except discord.HTTPException as exc:
            log.warning("could not look up Discord channel %s: %s", channel.id, exc.status)
            return None
        return getattr(fetched, "name", None)

    def _without_mention(self, text: str) -> str:
        me = self.client.user if self.client else None
        if me is None:
            return text.strip()
        return re.sub(rf"<@!?{me.id}>", "", text).strip()

    async def _handle(self, event: Incoming) -> list[Outgoing]:
        return await asyncio.to_thread(self.core.handle, event)

    # -- replies out ---------------------------------------------------------------------------

    async def _send(self, channel: discord.abc.Messageable, out: Outgoing) -> None:
        for text, view in reply_messages(out):
            await channel.send(text, **view_kwargs(view))

    async def _send_apology(self, channel: discord.abc.Messageable) -> None:
        try:
            await channel.send(replies.APOLOGY)
        except discord.HTTPException as exc:
            log.warning("could not send the apology to a Discord channel: %s", exc.status)

    def deliver(self, chat_external_id: str, out: Outgoing) -> None:
        """Called from another thread (the check-in job, a finished Spotify playlist): send on the
        bot's loop and wait for it, so a failure is the caller's to retry; `DeliveryUncertain`
        when Discord did not answer in time (the message may have arrived)."""
        if self._loop is None or self.client is None:
            raise RuntimeError("the Discord bot is not running yet")
        channel = self.client.get_partial_messageable(int(chat_external_id))
        future = asyncio.run_coroutine_threadsafe(self._send(channel, out), self._loop)
        try:
            future.result(timeout=self.deliver_timeout_s)
        except TimeoutError:
            future.cancel()  # what has not gone yet stays unsent; what went may have arrived
            raise DeliveryUncertain(
                f"Discord did not answer within {self.deliver_timeout_s:g} s"
            ) from None
