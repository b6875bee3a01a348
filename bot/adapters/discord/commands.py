"""Discord's slash commands: the same actions as on Telegram, each turned into the core's `Command`
(or, for /mood, free text read as a mood)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.client import ClientEvents
from bot.core.events import Command, ReactionKind, TextMessage
from bot.core.languages import LANGUAGES
from recommender import Mode
from recommender.groups import GroupStrategy

MODE_CHOICES = [app_commands.Choice(name=mode.label, value=mode.value) for mode in Mode]
PRIVACY_CHOICES = [
    app_commands.Choice(name="on: my anonymised logs may be used", value="on"),
    app_commands.Choice(name="off: nothing of mine is used", value="off"),
]
MIX_LABELS = {
    GroupStrategy.LEAST_MISERY: "least misery: nobody gets songs they'd hate",
    GroupStrategy.AVERAGE: "average: the songs the group likes most",
    GroupStrategy.FAIR_TURNS: "fair turns: everyone's favourite in turn",
}
MIX_CHOICES = [
    app_commands.Choice(name=MIX_LABELS.get(strategy, strategy.value), value=strategy.value)
    for strategy in GroupStrategy
]
LANGUAGE_CHOICES = [
    *(app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()),
    app_commands.Choice(name="auto: my Discord language", value="auto"),
]
FORGET_CHOICES = [
    app_commands.Choice(name="yes, delete everything", value="yes"),
    app_commands.Choice(name="no, keep it", value="no"),
]


def register_commands(tree: app_commands.CommandTree[Any], adapter: ClientEvents) -> None:
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

    @tree.command(name="language", description="the language of Moodwave's replies")
    @app_commands.describe(language="leave out to see the current one")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(interaction: discord.Interaction[Any], language: str | None = None) -> None:
        await run(interaction, "language", language)

    @tree.command(name="forget", description="delete everything Moodwave stored about you")
    @app_commands.describe(confirm="leave out to be asked first")
    @app_commands.choices(confirm=FORGET_CHOICES)
    async def forget(interaction: discord.Interaction[Any], confirm: str | None = None) -> None:
        await run(interaction, "forget", confirm)

    @tree.command(name="checkin", description="check-ins after a playlist: on, off, or when")
    @app_commands.describe(setting="on, off, or a delay such as 30m or 2h; leave out to see yours")
    async def checkin(interaction: discord.Interaction[Any], setting: str | None = None) -> None:
        await run(interaction, "checkin", *(setting or "").split())

    @tree.command(name="mix", description="one shared playlist from everyone's mood here")
    @app_commands.describe(strategy="how to mix the moods (least misery if left out)")
    @app_commands.choices(strategy=MIX_CHOICES)
    @app_commands.guild_only()
    async def mix(interaction: discord.Interaction[Any], strategy: str | None = None) -> None:
        await run(interaction, "mix", strategy)

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
