"""The words Moodwave says, in one voice and one place. Constants are English marked with `N_`
(translated whole by `bot.core.languages.localize`); functions format in the current language with
`_` and `ngettext`, placeholders by name. `make i18n` puts new strings into the catalogues."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date

from bot.core import languages
from bot.core.events import Button, Outgoing, command_action
from bot.core.languages import N_, _, ngettext
from bot.core.owners import owned_action
from nlp import Mood
from recommender import Mode
from recommender.reasons import mood_words

GREETING = N_(
    'Hi, I\'m Moodwave. Tell me in a few words how you feel ("drained but hopeful", '
    '"so angry right now") and I\'ll put together songs for it. React to each song so I learn '
    "your taste, and a little later I'll ask how you feel, to see whether the music helped."
)

HELP = N_("""\
How to use Moodwave:
- Just write how you feel: I read the mood and send songs for it.
- /mix in a group chat: one shared playlist from everyone's mood.
- /spotify link: playlists in your own Spotify account (when set up).
- /mode: what the music should do (match my mood, lift me up, calm me down, energise me).
- like N, dislike N, skip N (or the buttons): react to song N of the latest playlist.
- /checkin on, /checkin off, /checkin 30m: whether and when I ask how you feel afterwards.
- /language: the language I reply in (/language es, /language auto).
- /privacy: see or change whether your anonymised mood logs may be used for research.
- /forget: delete everything I stored about you.
- /help: this message.""")

CONSENT_QUESTION = N_(
    "One more thing, separate from the music: may Moodwave use your mood logs for research on "
    "music and mood? What is used: the moods I read, the songs, your reactions and how you felt "
    "afterwards, under a code name; never your name, your account or your messages' words. Taking "
    "part also means that, now and then, you get a comparison playlist (another method, songs "
    "picked at random, or no songs and only the check-in), so the study can tell what the music "
    "itself does. It stays off unless you say yes, and you can change it any time with /privacy."
)

EMPTY_MESSAGE = N_(
    "I didn't catch anything there. Tell me how you feel in a few words, "
    'for example "tired but hopeful".'
)

UNREADABLE_MOOD = N_(
    "I couldn't read a mood from that, sorry. Could you say it another way, with a feeling word "
    'or two? For example "restless and anxious" or "calm, a bit sad".'
)

VOICE_UNSUPPORTED = N_("Voice notes aren't switched on here, sorry. Could you type how you feel?")


def voice_heard(transcript: str, words: Mood, fused: Mood) -> str:
    return _(
        'I heard: "{transcript}"\nYour words sound {words}; with your voice, I read you as '
        "{mood}. Not quite? Use the buttons below."
    ).format(
        transcript=transcript,
        words=mood_words(words.valence, words.arousal, _),
        mood=describe_mood(fused),
    )


VOICE_TOO_BIG = N_(
    "That voice note is too big for me to fetch. Could you send a shorter one, or type how you feel?"
)

NO_SUCH_SONG = N_(
    "I can't find that song in this chat's playlists. Use the buttons under a playlist, or "
    "type like N / dislike N / skip N with N from the latest list."
)

NO_OPEN_CHECKIN = N_(
    "There's no check-in waiting for an answer right now. Write how you feel any time and "
    "I'll send songs for it."
)

FORGET_ASK = N_(
    "This deletes everything I stored about you: your moods, playlists, reactions and "
    "check-ins. It can't be undone. Are you sure?"
)
FORGET_DONE = N_("Done: everything I stored about you is deleted. Say hi any time to start fresh.")
FORGET_KEPT = N_("OK, nothing was deleted.")
NOT_YOUR_BUTTON = N_(
    "That button is someone else's. Send /privacy or /forget to choose for yourself."
)

READ_IN_PART = N_(
    "That's more than my mood model reads at once: I kept all of it, and the mood comes from "
    "its beginning."
)

CHECKIN_HELP = N_(
    "/checkin on or /checkin off, or a delay between 1 minute and 2 days, e.g. /checkin 30m "
    "or /checkin 2h."
)


def checkins_switched(enabled: bool) -> str:
    if enabled:
        return _("Check-ins are on: a while after each playlist I'll ask how you feel.")
    return _(
        "Check-ins are off: I won't ask how you feel afterwards. /checkin on brings them back."
    )


def _duration(delay: timedelta) -> str:
    minutes = round(delay.total_seconds() / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def checkin_delay_set(delay: timedelta) -> str:
    return _("Got it: I'll check in {duration} after each playlist.").format(
        duration=_duration(delay)
    )


def checkin_status(enabled: bool, delay: timedelta) -> str:
    if not enabled:
        return _("Check-ins are off.") + " " + _(CHECKIN_HELP)
    return (
        _("Check-ins are on, {duration} after each playlist.").format(duration=_duration(delay))
        + " "
        + _(CHECKIN_HELP)
    )


# "Not quite: I feel ..." choices under each playlist: one per corner of the mood plane.
CORRECTIONS = {
    "down": (N_("😞 down"), -0.6, -0.4),
    "tense": (N_("😣 tense"), -0.5, 0.6),
    "calm": (N_("😌 calm"), 0.5, -0.5),
    "upbeat": (N_("😄 upbeat"), 0.6, 0.6),
}
CORRECTION_HELP = N_("Not quite right? Pick the closest, or just tell me in your own words.")


def correction_buttons() -> tuple[tuple[Button, ...], ...]:
    return (
        tuple(
            Button(_("Not quite: {label}").format(label=_(label)), command_action("fix", key))
            for key, (label, *_point) in CORRECTIONS.items()
        ),
    )


def correction_mood(args: tuple[str, ...]) -> Mood | None:
    choice = CORRECTIONS.get(args[0].lower()) if args else None
    if choice is None:
        return None
    return Mood(choice[1], choice[2], 1.0, "correction", "self-report")


def correction_label(args: tuple[str, ...]) -> str:
    return CORRECTIONS[args[0].lower()][0]


NO_SONGS = N_("I couldn't find songs for that mood in the catalog, sorry.")

APOLOGY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
# Said once when a person, or a chat, writes faster than `bot.limits` lets through.
SLOW_DOWN = N_(
    "You're writing faster than I can keep up with, so I skipped that one. Slow down a little, "
    "please, and I'll be right with you."
)
SLOW_DOWN_CHAT = N_(
    "This chat is writing faster than I can keep up with, so I'm skipping a few messages. "
    "Slow down a little, please."
)


def too_long(total: int, read: int) -> str:
    return _(
        "That's a long message ({total:,} characters). I kept all of it, and read the first "
        "{read:,} characters for your mood."
    ).format(total=total, read=read)


SPOTIFY_NOT_SET_UP = N_(
    "Spotify isn't set up on this Moodwave, so playlists come as song links. They play fine!"
)
SPOTIFY_LINK = N_(
    "Open this link to let Moodwave put your playlists in your own Spotify account. "
    "The link works once and expires soon. /spotify unlink undoes it."
)
SPOTIFY_UNLINKED = N_(
    "Done: your Spotify account is unlinked. Playlists come from Moodwave's account."
)
SPOTIFY_HELP = N_(
    "/spotify link puts playlists in your own Spotify account; /spotify unlink undoes it. "
    "/spotify titles mood names playlists after your mood; /spotify titles plain (the default) "
    "names them by date only."
)
SPOTIFY_LINK_IN_PRIVATE = N_(
    "Your Spotify link is yours alone, so I only send it in a private chat: message me directly "
    "and send /spotify link there."
)
SPOTIFY_TITLES_HELP = N_("Say /spotify titles mood or /spotify titles plain.")
PLAIN_DESCRIPTION = N_("Songs picked by Moodwave.")


def spotify_titles_set(with_mood: bool) -> str:
    if with_mood:
        return "Done: your playlists are named after your mood from now on."
    return "Done: your playlists are named by date only, without your mood."


def playlist_ready(url: str) -> str:
    return _("Your playlist is on Spotify now: {url}").format(url=url)


def unknown_command(name: str) -> str:
    known = _("I don't know the command /{name}. Here's what I can do:").format(name=name)
    return f"{known}\n\n{_(HELP)}"


def describe_mood(mood: Mood) -> str:
    return _("{words} (valence {valence:+.2f}, arousal {arousal:+.2f})").format(
        words=mood_words(mood.valence, mood.arousal, _),
        valence=mood.valence,
        arousal=mood.arousal,
    )


def mode_menu(current: Mode) -> Outgoing:
    rows = tuple((Button(_(mode.label), command_action("mode", mode.value)),) for mode in Mode)
    return Outgoing(
        _('The mode is "{mode}". What should the music do?').format(mode=_(current.label)), rows
    )


def mode_set(mode: Mode) -> str:
    return _('Got it: the mode is now "{mode}". Tell me how you feel.').format(mode=_(mode.label))


def consent_buttons(owner_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(_("Yes, use my anonymised logs"), owned_action(owner_id, "privacy", "on")),
            Button(_("No thanks"), owned_action(owner_id, "privacy", "off")),
        ),
    )


def privacy_status(consent: bool, owner_id: int) -> Outgoing:
    if consent:
        text = _("Research use is ON: your anonymised mood logs may be used for research.")
    else:
        text = _("Research use is OFF: nothing of yours is used for research.")
    return Outgoing(text, consent_buttons(owner_id))


def privacy_changed(consent: bool) -> str:
    if consent:
        return _("Thank you! Research use is on. Turn it off any time with /privacy off.")
    return _("Research use is off. Nothing of yours will be used for research.")


def forget_buttons(owner_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(_("Yes, delete everything"), owned_action(owner_id, "forget", "yes")),
            Button(_("No, keep it"), owned_action(owner_id, "forget", "no")),
        ),
    )


def reaction_noted(kind: str, title: str) -> str:
    return {
        "like": _('Noted: you like "{title}". I\'ll lean that way next time.'),
        "dislike": _('Noted: not "{title}". I won\'t send it again.'),
        "skip": _('Skipped "{title}".'),
        "played": _('Glad you played "{title}" to the end.'),
    }[kind].format(title=title)


def checkin_question(name: str | None, before: Mood) -> str:
    if name:
        question = _("{name}, how do you feel now?").format(name=name)
    else:
        question = _("How do you feel now?")
    return (
        question
        + " "
        + _(
            "Earlier you sounded {mood}. A few words are enough, or tap the scales: top row how "
            "pleasant (1 very unpleasant, 5 very pleasant), bottom row how energetic (1 very calm, "
            "5 very excited)."
        ).format(mood=mood_words(before.valence, before.arousal, _))
    )


# The Self-Assessment Manikin's two scales as 5-point button rows: pleasure and arousal.
SAM_VALENCE_FACES = ("😞", "🙁", "😐", "🙂", "😄")
SAM_AROUSAL_FACES = ("😴", "😌", "😐", "😃", "⚡")

SAM_BEFORE = N_(
    "For the study you joined: how would you rate your mood yourself, right now? Top row how "
    "pleasant (1 very unpleasant, 5 very pleasant), bottom row how energetic (1 very calm, "
    "5 very excited). Optional."
)
SAM_NOT_YOURS = N_("Those scales belong to someone else's question.")
SAM_CLOSED = N_("That question has closed, thanks all the same.")
SAM_HELP = N_("Tap the scales under my question to rate your mood.")


def sam_buttons(target: str, target_id: int) -> tuple[tuple[Button, ...], ...]:
    """Two rows of five: `target` is "c" (a check-in: the mood after) or "r" (a recommendation:
    the mood before)."""
    return tuple(
        tuple(
            Button(
                f"{face} {point}", command_action("sam", target, str(target_id), code, str(point))
            )
            for point, face in enumerate(faces, start=1)
        )
        for code, faces in (("v", SAM_VALENCE_FACES), ("a", SAM_AROUSAL_FACES))
    )


def sam_noted(dimension: str, point: int, other_missing: bool) -> str:
    if dimension == "valence":
        noted = _("Noted: {point} of 5 for how pleasant you feel.")
    else:
        noted = _("Noted: {point} of 5 for how energetic you feel.")
    more = " " + _("Now the other row, please.") if other_missing else ""
    return noted.format(point=point) + more


def study_no_playlist(mood: Mood, delay: timedelta) -> str:
    return _(
        "You sound {mood}. This time, as part of the study you joined, I send no songs and only "
        "ask how you feel in {duration}: the comparison shows what the music itself does. "
        "Thank you!"
    ).format(mood=describe_mood(mood), duration=_duration(delay))


def checkin_thanks(before: Mood, after: Mood) -> str:
    dv, da = after.valence - before.valence, after.arousal - before.arousal
    return _(
        "Thanks for telling me. Before: {before}. Now: {after}. "
        "Change: valence {dv:+.2f}, arousal {da:+.2f}."
    ).format(before=describe_mood(before), after=describe_mood(after), dv=dv, da=da)


def playlist_header(mood: Mood, mode: Mode, title: str) -> str:
    return (
        _("You sound {mood}. Mode: {mode}.").format(mood=describe_mood(mood), mode=_(mode.label))
        + f"\n{title}"
    )


def playlist_title(mode: Mode, mood: Mood, now: datetime, with_mood: bool = False) -> str:
    """The playlist's name, which Spotify shows to whoever sees the playlist: the mood only when
    the person chose so (/spotify titles mood)."""
    date = format_date(now, "dd MMM", locale=languages.current())
    if not with_mood:
        return _("Moodwave, {date}").format(date=date)
    return _("{mode}: from '{mood}', {date}").format(
        mode=_(mode.label).capitalize(),
        mood=mood_words(mood.valence, mood.arousal, _),
        date=date,
    )


def other_modes_buttons(current: Mode) -> tuple[tuple[Button, ...], ...]:
    return (
        tuple(Button(_(m.label), command_action("mode", m.value)) for m in Mode if m != current),
    )


def notice(text: str) -> Outgoing:
    """A short acknowledgement a platform may show in place (a toast) rather than as a message."""
    return Outgoing(text, meta={"notice": "1"})
