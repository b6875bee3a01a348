"""The Discord adapter: discord.py (v2) interactions and messages in, the core's replies out.

It translates, and nothing more: a slash command, a button press, a direct message (or a server
message that mentions the bot or replies to it) or a voice message becomes one `Incoming` event;
each `Outgoing` becomes one or more messages of at most 2,000 characters with buttons. Buttons are
persistent dynamic items: their custom id carries the core's action string, so a button keeps
working after a restart without any view kept in memory. Discord allows 5 rows of 5 buttons, so a
playlist shows 👍/👎 for its first 10 songs in 4 rows and the reply's own buttons (and the playlist
link) in the last row; later songs are reacted to with /like N. An interaction is acknowledged
(deferred) before the core runs, because Discord drops an interaction not acknowledged within 3
seconds; whoever acknowledges it answers it, so a copy delivered to a second process is dropped.
The core is synchronous (database, model), so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.core import replies
from bot.core.events import (
    ChatKind,
    ChatRef,
    Command,
    Core,
    Incoming,
    Outgoing,
    Payload,
    ReactionKind,
    TextMessage,
    UserRef,
    VoiceNote,
    answered_in_place,
    decode_action,
    reaction_action,
)
from recommender import Mode
from storage import DueCheckIn

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_TEXT = 2000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
# Two rows (👍 and 👎) per five songs, leaving the last row for the reply's own buttons.
SONG_ROWS = MAX_ROWS - 1
SONGS_WITH_BUTTONS = SONG_ROWS // 2 * MAX_ROW_BUTTONS
# The same cap as on Telegram: a voice message that size is far longer than a mood needs.
MAX_VOICE_BYTES = 20 * 1024 * 1024
ACTION_PREFIX = "mw:"  # keeps our custom ids apart from any other component's
REACTION_EMOJI = ((ReactionKind.LIKE, "👍"), (ReactionKind.DISLIKE, "👎"))
PLAYLIST_LINK_LABEL = "Open the playlist"
STALE_BUTTON = "That button no longer works, sorry."

Ready = Callable[[], None]


# -- buttons ---------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ButtonSpec:
    """One button to render: an action for the core, or a link."""

    label: str
    action: str | None = None
    url: str | None = None
    emoji: str | None = None


def button_rows(out: Outgoing) -> list[list[ButtonSpec]]:
    """The reply's buttons within Discord's 5 rows of 5: 👍/👎 rows for the first 10 songs, then
    the reply's own buttons and the playlist link in the rows left (packed densely, the link
    kept first, when they do not fit as given)."""
    songs = out.entries[:SONGS_WITH_BUTTONS]
    rows: list[list[ButtonSpec]] = []
    for start in range(0, len(songs), MAX_ROW_BUTTONS):
        group = songs[start : start + MAX_ROW_BUTTONS]
        for kind, emoji in REACTION_EMOJI:
            rows.append(
                [
                    ButtonSpec(str(e.position), reaction_action(e.item_id, kind), emoji=emoji)
                    for e in group
                ]
            )
    return rows + _own_rows(out, MAX_ROWS - len(rows))


def _own_rows(out: Outgoing, room: int) -> list[list[ButtonSpec]]:
    seen: set[str] = set()  # Discord refuses two buttons with one custom id in a message
    rows: list[list[ButtonSpec]] = []
    for row in out.buttons:
        specs = [ButtonSpec(b.label, b.action) for b in row if b.action not in seen]
        seen.update(b.action for b in row)
        rows += [specs[i : i + MAX_ROW_BUTTONS] for i in range(0, len(specs), MAX_ROW_BUTTONS)]
    link = ButtonSpec(PLAYLIST_LINK_LABEL, url=out.link) if out.link else None
    if link is not None:
        if rows and len(rows[-1]) < MAX_ROW_BUTTONS:
            rows[-1].append(link)
        else:
            rows.append([link])
    if len(rows) <= room:
        return rows
    flat = [b for row in rows for b in row if b is not link]
    flat = ([link] if link else []) + flat
    flat = flat[: room * MAX_ROW_BUTTONS]
    return [flat[i : i + MAX_ROW_BUTTONS] for i in range(0, len(flat), MAX_ROW_BUTTONS)]


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


# -- text ------------------------------------------------------------------------------------------


def render_text(out: Outgoing) -> list[str]:
    """The reply in Discord markdown, split at line ends into messages of at most 2,000
    characters. Links sit in angle brackets so ten songs do not unfold into ten previews."""
    lines = [discord.utils.escape_markdown(out.text)]
    for entry in out.entries:
        title = _link_text(f"{entry.title} - {entry.artist}")
        song = f"[{title}](<{entry.url}>)" if entry.url else title
        lines.append(f"{entry.position}. {song}")
        lines.append(f"   _{discord.utils.escape_markdown(entry.reason)}_")
    return split_lines("\n".join(lines), MAX_TEXT) or ["…"]


def _link_text(text: str) -> str:
    # Brackets would end the masked link early; markdown would restyle a song's title.
    return discord.utils.escape_markdown(text).replace("[", "\\[").replace("]", "\\]")


def split_lines(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line (an echoed huge message): cut it
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
    return chunks


# -- events in -------------------------------------------------------------------------------------


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
    )


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


# -- the client ------------------------------------------------------------------------------------


class MoodwaveClient(discord.Client):
    """A discord.py client that knows its adapter, so dynamic buttons can reach it."""

    def __init__(self, adapter: DiscordAdapter) -> None:
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


class DiscordAdapter:
    def __init__(
        self,
        conversation: Core,
        on_ready: Ready | None = None,
        sync_commands: bool = True,
    ) -> None:
        self.conversation = conversation
        self.on_ready = on_ready  # e.g. start the check-in job once the bot can send
        self.sync_at_start = sync_commands  # off where an operator syncs them by hand
        self.client: MoodwaveClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- wiring --------------------------------------------------------------------------------

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
            synced = await self.client.tree.sync()
            log.info("synced %d Discord slash commands", len(synced))
        except discord.HTTPException as exc:
            log.error("could not sync Discord slash commands: %s %s", exc.status, exc.code)

    async def ready(self) -> None:
        """Once logged in (discord.py's setup hook): the bot can send over HTTP from here on."""
        self._loop = asyncio.get_running_loop()
        if self.sync_at_start:
            await self.sync_commands()
        if self.on_ready is not None:
            self.on_ready()

    # -- interactions in -----------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], payload: Payload) -> None:
        await self._answer(interaction, payload, ephemeral=False)

    async def on_button(self, interaction: discord.Interaction[Any], action: str) -> None:
        payload = decode_action(action)
        if payload is None:
            await interaction.response.send_message(STALE_BUTTON, ephemeral=True)
            return
        # A reaction is acknowledged just to the presser, not with a message for the channel.
        await self._answer(interaction, payload, ephemeral=answered_in_place(payload))

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
            messages = [m for out in outs for m in _messages(out)]
            if ephemeral:  # a reaction's note: one line is all it needs
                messages = messages[:1]
            (text, view), *rest = messages
            await interaction.edit_original_response(content=text, view=view)
            replied = True
            for text, view in rest:
                await interaction.followup.send(text, ephemeral=ephemeral, **_view_kwargs(view))
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
        return await asyncio.to_thread(self.conversation.handle, event)

    # -- replies out ---------------------------------------------------------------------------

    async def _send(self, channel: discord.abc.Messageable, out: Outgoing) -> None:
        for text, view in _messages(out):
            await channel.send(text, **_view_kwargs(view))

    async def _send_apology(self, channel: discord.abc.Messageable) -> None:
        try:
            await channel.send(replies.APOLOGY)
        except discord.HTTPException as exc:
            log.warning("could not send the apology to a Discord channel: %s", exc.status)

    def deliver_checkin(self, due: DueCheckIn, out: Outgoing) -> None:
        self.deliver(due.chat_external_id, out)

    def deliver(self, chat_external_id: str, out: Outgoing) -> None:
        """Called from another thread (the check-in job, a finished Spotify playlist): send on the
        bot's loop and wait for it, so a failure is the caller's to retry."""
        if self._loop is None or self.client is None:
            raise RuntimeError("the Discord bot is not running yet")
        channel = self.client.get_partial_messageable(int(chat_external_id))
        future = asyncio.run_coroutine_threadsafe(self._send(channel, out), self._loop)
        future.result(timeout=60)


def _messages(out: Outgoing) -> list[tuple[str, discord.ui.View | None]]:
    """The messages one reply becomes: its text in chunks, the buttons under the last one."""
    chunks = render_text(out)
    view = button_view(button_rows(out))
    return [(chunk, view if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]


def _view_kwargs(view: discord.ui.View | None) -> dict[str, Any]:
    # discord.py's send() refuses view=None; leaving it out means "no buttons".
    return {"view": view} if view is not None else {}


# -- slash commands --------------------------------------------------------------------------------

MODE_CHOICES = [app_commands.Choice(name=mode.label, value=mode.value) for mode in Mode]
PRIVACY_CHOICES = [
    app_commands.Choice(name="on: my anonymised logs may be used", value="on"),
    app_commands.Choice(name="off: nothing of mine is used", value="off"),
]
FORGET_CHOICES = [
    app_commands.Choice(name="yes, delete everything", value="yes"),
    app_commands.Choice(name="no, keep it", value="no"),
]


def register_commands(tree: app_commands.CommandTree[Any], adapter: DiscordAdapter) -> None:
    """The same actions as on Telegram, each turned into the core's `Command` (or, for /mood,
    free text read as a mood)."""

    async def run(interaction: discord.Interaction[Any], name: str, *args: str | None) -> None:
        await adapter.on_command(interaction, Command(name, tuple(a for a in args if a)))

    @tree.command(name="start", description="what Moodwave does")
    async def start(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "start")

    @tree.command(name="help", description="how to use Moodwave")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "help")

    @tree.command(name="mood", description="tell Moodwave how you feel and get songs for it")
    @app_commands.describe(feeling='how you feel, in a few words ("drained but hopeful")')
    async def mood(interaction: discord.Interaction[Any], feeling: str) -> None:
        await adapter.on_command(interaction, TextMessage(feeling))

    @tree.command(name="mode", description="what the music should do with your mood")
    @app_commands.describe(mode="leave out to see the current mode")
    @app_commands.choices(mode=MODE_CHOICES)
    async def mode(interaction: discord.Interaction[Any], mode: str | None = None) -> None:
        await run(interaction, "mode", mode)

    @tree.command(name="privacy", description="research consent: see or change")
    @app_commands.describe(choice="leave out to see the current setting")
    @app_commands.choices(choice=PRIVACY_CHOICES)
    async def privacy(interaction: discord.Interaction[Any], choice: str | None = None) -> None:
        await run(interaction, "privacy", choice)

    @tree.command(name="forget", description="delete everything Moodwave stored about you")
    @app_commands.describe(confirm="leave out to be asked first")
    @app_commands.choices(confirm=FORGET_CHOICES)
    async def forget(interaction: discord.Interaction[Any], confirm: str | None = None) -> None:
        await run(interaction, "forget", confirm)

    @tree.command(name="feel", description="answer the check-in: how do you feel now?")
    @app_commands.describe(feeling="how you feel now, in a few words")
    async def feel(interaction: discord.Interaction[Any], feeling: str) -> None:
        await run(interaction, "feel", *feeling.split())

    for kind in (ReactionKind.LIKE, ReactionKind.DISLIKE, ReactionKind.SKIP):
        tree.add_command(_reaction_command(kind, run))


Run = Callable[..., Any]


def _reaction_command(kind: ReactionKind, run: Run) -> app_commands.Command[Any, ..., None]:
    async def react(
        interaction: discord.Interaction[Any], number: app_commands.Range[int, 1, 50]
    ) -> None:
        await run(interaction, kind.value, str(number))

    return app_commands.Command(
        name=kind.value,
        description=f"{kind.value} song N of the latest playlist in this chat",
        callback=app_commands.describe(number="the song's number in the playlist")(react),
    )
