"""The words of a group mix (/mix): started, joined, ready. Part of `bot.core.replies`' one voice,
kept apart so each file stays small; the same conventions (`N_` constants, `_`/`ngettext`)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.languages import N_, _, ngettext
from nlp import Mood
from recommender.reasons import mood_words

MIX_ONLY_IN_GROUPS = N_(
    "/mix makes one playlist for a group chat: add me to a group and try it there."
)
MIX_ALREADY_OPEN = N_("A mix is already collecting moods here: just tell me how you feel!")
MIX_STRATEGIES = N_(
    "How should I mix? /mix (least misery: nobody gets songs they'd hate, the default), "
    "/mix average, or /mix fair-turns (everyone gets their favourite in turn)."
)
MIX_EMPTY = N_(
    "Nobody told me their mood for the mix, so there's no playlist this time. /mix to try again."
)


def mix_started(name: str | None, wait: timedelta, strategy: str) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    who = _("{name} started a group mix").format(name=name) if name else _("Group mix started")
    return ngettext(
        "{who}! Everyone: tell me in a word or two how you feel (reply to me, or /feel ...). "
        "In {minutes} minute I'll send one playlist for all ({strategy}).",
        "{who}! Everyone: tell me in a word or two how you feel (reply to me, or /feel ...). "
        "In {minutes} minutes I'll send one playlist for all ({strategy}).",
        minutes,
    ).format(who=who, minutes=minutes, strategy=_strategy(strategy))


def _strategy(strategy: str) -> str:
    return _(_STRATEGIES.get(strategy, strategy.replace("-", " ")))


_STRATEGIES = {"least-misery": N_("least misery"), "average": N_("average")}
_STRATEGIES["fair-turns"] = N_("fair turns")


def mix_joined(name: str | None, mood: Mood, count: int) -> str:
    return _("{who}: {mood}. ({count} in the mix so far)").format(
        who=name or _("You"), mood=mood_words(mood.valence, mood.arousal, _), count=count
    )


def mix_ready(names: list[str], quiet: int, strategy: str) -> str:
    also = _(", plus {quiet} {members} by their last mood") if quiet else ""
    return _("The mix is ready, for {names}{also} ({strategy}):").format(
        names=", ".join(names),
        also=also.format(quiet=quiet, members=ngettext("quieter member", "quieter members", quiet)),
        strategy=_strategy(strategy),
    )
