"""Discord's slash commands: the same actions as on Telegram, each turned into the core's `Command`
(or, for /mood, free text read as a mood). Their descriptions, option descriptions and choices are
marked for the catalogues (`make i18n`) and sent to Discord in every language Moodwave speaks
(`CatalogueTranslator`); the command and option names stay English, as people type them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.client import ClientEvents
from bot.core.events import Command, ReactionKind, TextMessage
from bot.core.languages import DEFAULT, LANGUAGES, N_, catalogue, supported
from recommender import Mode
from recommender.groups import GroupStrategy

Choice = app_commands.Choice
T = app_commands.locale_str  # a choice's name that Discord shows translated

MODE_CHOICES = [Choice(name=T(mode.label), value=mode.value) for mode in Mode]
PRIVACY_CHOICES = [
    Choice(name=T(N_("on: my anonymised logs may be used")), value="on"),
    Choice(name=T(N_("off: nothing of mine is used")), value="off"),
]
MIX_LABELS = {
    GroupStrategy.LEAST_MISERY: N_("least misery: nobody gets songs they'd hate"),
    GroupStrategy.AVERAGE: N_("average: the songs the group likes most"),
    GroupStrategy.FAIR_TURNS: N_("fair turns: everyone's favourite in turn"),
}
MIX_CHOICES = [
    Choice(name=T(MIX_LABELS.get(strategy, strategy.value)), value=strategy.value)
    for strategy in GroupStrategy
]
LANGUAGE_CHOICES = [
    *(Choice(name=name, value=code) for code, name in LANGUAGES.items()),
    Choice(name=T(N_("auto: my Discord language")), value="auto"),
]
FORGET_CHOICES = [
    Choice(name=T(N_("yes, delete everything")), value="yes"),
    Choice(name=T(N_("no, keep it")), value="no"),
]
REACTION_DESCRIPTIONS = {
    ReactionKind.LIKE: N_("like song N of the latest playlist in this chat"),
    ReactionKind.DISLIKE: N_("dislike song N of the latest playlist in this chat"),
    ReactionKind.SKIP: N_("skip song N of the latest playlist in this chat"),
}
TRANSLATED = frozenset(
    {
        app_commands.TranslationContextLocation.command_description,
        app_commands.TranslationContextLocation.parameter_description,
        app_commands.TranslationContextLocation.choice_name,
    }
)


class CatalogueTranslator(app_commands.Translator):
    """Descriptions and choices in each Discord locale Moodwave has a catalogue for ("es-ES" and
    "es-419" read Spanish, "pt-BR" Portuguese); nothing for the others, which Discord shows in
    English. Names are never translated: /mood stays /mood."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = supported(locale.value)
        if language is None or language == DEFAULT or context.location not in TRANSLATED:
            return None
        translated = catalogue(language).gettext(string.message)
        return translated if translated != string.message else None


def register_commands(tree: app_commands.CommandTree[Any], adapter: ClientEvents) -> None:
    """The same actions as on Telegram, each turned into the core's `Command` (or, for /mood,
    free text read as a mood)."""

    async def run(interaction: discord.Interaction[Any], name: str, *args: str | None) -> None:
        await adapter.on_command(interaction, Command(name, tuple(a for a in args if a)))

    @tree.command(name="start", description=N_("what Moodwave does"))
    async def start(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "start")

    @tree.command(name="help", description=N_("how to use Moodwave"))
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "help")

    @tree.command(name="mood", description=N_("tell Moodwave how you feel and get songs for it"))
    @app_commands.describe(feeling=N_('how you feel, in a few words ("drained but hopeful")'))
    async def mood(interaction: discord.Interaction[Any], feeling: str) -> None:
        await adapter.on_command(interaction, TextMessage(feeling))

    @tree.command(name="mode", description=N_("what the music should do with your mood"))
    @app_commands.describe(mode=N_("leave out to see the current mode"))
    @app_commands.choices(mode=MODE_CHOICES)
    async def mode(interaction: discord.Interaction[Any], mode: str | None = None) -> None:
        await run(interaction, "mode", mode)

    @tree.command(name="privacy", description=N_("research consent: see or change"))
    @app_commands.describe(choice=N_("leave out to see the current setting"))
    @app_commands.choices(choice=PRIVACY_CHOICES)
    async def privacy(interaction: discord.Interaction[Any], choice: str | None = None) -> None:
        await run(interaction, "privacy", choice)

    @tree.command(name="language", description=N_("the language of Moodwave's replies"))
    @app_commands.describe(language=N_("leave out to see the current one"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(interaction: discord.Interaction[Any], language: str | None = None) -> None:
        await run(interaction, "language", language)

    @tree.command(name="forget", description=N_("delete everything Moodwave stored about you"))
    @app_commands.describe(confirm=N_("leave out to be asked first"))
    @app_commands.choices(confirm=FORGET_CHOICES)
    async def forget(interaction: discord.Interaction[Any], confirm: str | None = None) -> None:
        await run(interaction, "forget", confirm)

    @tree.command(name="checkin", description=N_("check-ins after a playlist: on, off, or when"))
    @app_commands.describe(
        setting=N_("on, off, or a delay such as 30m or 2h; leave out to see yours")
    )
    async def checkin(interaction: discord.Interaction[Any], setting: str | None = None) -> None:
        await run(interaction, "checkin", *(setting or "").split())

    @tree.command(name="mix", description=N_("one shared playlist from everyone's mood here"))
    @app_commands.describe(strategy=N_("how to mix the moods (least misery if left out)"))
    @app_commands.choices(strategy=MIX_CHOICES)
    @app_commands.guild_only()
    async def mix(interaction: discord.Interaction[Any], strategy: str | None = None) -> None:
        await run(interaction, "mix", strategy)

    @tree.command(name="feel", description=N_("answer the check-in: how do you feel now?"))
    @app_commands.describe(feeling=N_("how you feel now, in a few words"))
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
        description=REACTION_DESCRIPTIONS[kind],
        callback=app_commands.describe(number=N_("the song's number in the playlist"))(react),
    )
