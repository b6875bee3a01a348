"""The words Moodwave says. Kept apart from the conversation logic so they read as one voice and can
be reviewed (and later translated) in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.events import Button, Outgoing, command_action
from bot.core.owners import owned_action
from nlp import Mood
from recommender import Mode
from recommender.reasons import mood_words

GREETING = (
    'Hi, I\'m Moodwave. Tell me in a few words how you feel ("drained but hopeful", '
    '"so angry right now") and I\'ll put together songs for it. React to each song so I learn '
    "your taste, and a little later I'll ask how you feel, to see whether the music helped."
)

HELP = """\
How to use Moodwave:
- Just write how you feel: I read the mood and send songs for it.
- /mix in a group chat: one shared playlist from everyone's mood.
- /spotify link: playlists in your own Spotify account (when set up).
- /mode: what the music should do (match my mood, lift me up, calm me down, energise me).
- like N, dislike N, skip N (or the buttons): react to song N of the latest playlist.
- /checkin on, /checkin off, /checkin 30m: whether and when I ask how you feel afterwards.
- /privacy: see or change whether your anonymised mood logs may be used for research.
- /forget: delete everything I stored about you.
- /help: this message."""

CONSENT_QUESTION = (
    "One more thing, separate from the music: may Moodwave use your mood logs for research on "
    "music and mood? What is used: the moods I read, the songs, your reactions and how you felt "
    "afterwards, under a code name; never your name, your account or your messages' words. Taking "
    "part also means that, now and then, you get a comparison playlist (another method, songs "
    "picked at random, or no songs and only the check-in), so the study can tell what the music "
    "itself does. It stays off unless you say yes, and you can change it any time with /privacy."
)

EMPTY_MESSAGE = (
    "I didn't catch anything there. Tell me how you feel in a few words, "
    'for example "tired but hopeful".'
)

UNREADABLE_MOOD = (
    "I couldn't read a mood from that, sorry. Could you say it another way, with a feeling word "
    'or two? For example "restless and anxious" or "calm, a bit sad".'
)

VOICE_UNSUPPORTED = "Voice notes aren't switched on here, sorry. Could you type how you feel?"


def voice_heard(transcript: str, words: Mood, fused: Mood) -> str:
    return (
        f'I heard: "{transcript}"\nYour words sound {mood_words(words.valence, words.arousal)}; '
        f"with your voice, I read you as {describe_mood(fused)}. Not quite? Use the buttons below."
    )


VOICE_TOO_BIG = "That voice note is too big for me to fetch. Could you send a shorter one, or type how you feel?"

NO_SUCH_SONG = (
    "I can't find that song in this chat's playlists. Use the buttons under a playlist, or "
    "type like N / dislike N / skip N with N from the latest list."
)

NO_OPEN_CHECKIN = (
    "There's no check-in waiting for an answer right now. Write how you feel any time and "
    "I'll send songs for it."
)

FORGET_ASK = (
    "This deletes everything I stored about you: your moods, playlists, reactions and "
    "check-ins. It can't be undone. Are you sure?"
)
FORGET_DONE = "Done: everything I stored about you is deleted. Say hi any time to start fresh."
FORGET_KEPT = "OK, nothing was deleted."
NOT_YOUR_BUTTON = "That button is someone else's. Send /privacy or /forget to choose for yourself."

READ_IN_PART = (
    "That's more than my mood model reads at once: I kept all of it, and the mood comes from "
    "its beginning."
)

MIX_ONLY_IN_GROUPS = "/mix makes one playlist for a group chat: add me to a group and try it there."
MIX_ALREADY_OPEN = "A mix is already collecting moods here: just tell me how you feel!"
MIX_STRATEGIES = (
    "How should I mix? /mix (least misery: nobody gets songs they'd hate, the default), "
    "/mix average, or /mix fair-turns (everyone gets their favourite in turn)."
)
MIX_EMPTY = (
    "Nobody told me their mood for the mix, so there's no playlist this time. /mix to try again."
)


def mix_started(name: str | None, wait: timedelta, strategy: str) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    who = f"{name} started a group mix" if name else "Group mix started"
    return (
        f"{who}! Everyone: tell me in a word or two how you feel (reply to me, or /feel ...). "
        f"In {minutes} minute{'s' if minutes != 1 else ''} I'll send one playlist for all "
        f"({strategy.replace('-', ' ')})."
    )


def mix_joined(name: str | None, mood: Mood, count: int) -> str:
    who = name or "You"
    return f"{who}: {mood_words(mood.valence, mood.arousal)}. ({count} in the mix so far)"


def mix_ready(names: list[str], quiet: int, strategy: str) -> str:
    also = (
        f", plus {quiet} quieter member{'s' if quiet != 1 else ''} by their last mood"
        if quiet
        else ""
    )
    return f"The mix is ready, for {', '.join(names)}{also} ({strategy.replace('-', ' ')}):"


CHECKIN_HELP = (
    "/checkin on or /checkin off, or a delay between 1 minute and 2 days, e.g. /checkin 30m "
    "or /checkin 2h."
)


def checkins_switched(enabled: bool) -> str:
    if enabled:
        return "Check-ins are on: a while after each playlist I'll ask how you feel."
    return "Check-ins are off: I won't ask how you feel afterwards. /checkin on brings them back."


def _duration(delay: timedelta) -> str:
    minutes = round(delay.total_seconds() / 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def checkin_delay_set(delay: timedelta) -> str:
    return f"Got it: I'll check in {_duration(delay)} after each playlist."


def checkin_status(enabled: bool, delay: timedelta) -> str:
    if not enabled:
        return "Check-ins are off. " + CHECKIN_HELP
    return f"Check-ins are on, {_duration(delay)} after each playlist. " + CHECKIN_HELP


# "Not quite: I feel ..." choices under each playlist: one per corner of the mood plane.
CORRECTIONS = {
    "down": ("😞 down", -0.6, -0.4),
    "tense": ("😣 tense", -0.5, 0.6),
    "calm": ("😌 calm", 0.5, -0.5),
    "upbeat": ("😄 upbeat", 0.6, 0.6),
}
CORRECTION_HELP = "Not quite right? Pick the closest, or just tell me in your own words."


def correction_buttons() -> tuple[tuple[Button, ...], ...]:
    return (
        tuple(
            Button(f"Not quite: {label}", command_action("fix", key))
            for key, (label, _, _) in CORRECTIONS.items()
        ),
    )


def correction_mood(args: tuple[str, ...]) -> Mood | None:
    choice = CORRECTIONS.get(args[0].lower()) if args else None
    if choice is None:
        return None
    return Mood(choice[1], choice[2], 1.0, "correction", "self-report")


def correction_label(args: tuple[str, ...]) -> str:
    return CORRECTIONS[args[0].lower()][0]


NO_SONGS = "I couldn't find songs for that mood in the catalog, sorry."

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
# Said once when a person, or a chat, writes faster than `bot.limits` lets through.
SLOW_DOWN = (
    "You're writing faster than I can keep up with, so I skipped that one. Slow down a little, "
    "please, and I'll be right with you."
)
SLOW_DOWN_CHAT = (
    "This chat is writing faster than I can keep up with, so I'm skipping a few messages. "
    "Slow down a little, please."
)


def too_long(total: int, read: int) -> str:
    return (
        f"That's a long message ({total:,} characters). I kept all of it, and read the first "
        f"{read:,} characters for your mood."
    )


SPOTIFY_NOT_SET_UP = (
    "Spotify isn't set up on this Moodwave, so playlists come as song links. They play fine!"
)
SPOTIFY_LINK = (
    "Open this link to let Moodwave put your playlists in your own Spotify account. "
    "The link works once and expires soon. /spotify unlink undoes it."
)
SPOTIFY_UNLINKED = "Done: your Spotify account is unlinked. Playlists come from Moodwave's account."
SPOTIFY_HELP = (
    "/spotify link puts playlists in your own Spotify account; /spotify unlink undoes it. "
    "/spotify titles mood names playlists after your mood; /spotify titles plain (the default) "
    "names them by date only."
)
SPOTIFY_LINK_IN_PRIVATE = (
    "Your Spotify link is yours alone, so I only send it in a private chat: message me directly "
    "and send /spotify link there."
)
SPOTIFY_TITLES_HELP = "Say /spotify titles mood or /spotify titles plain."
PLAIN_DESCRIPTION = "Songs picked by Moodwave."


def spotify_titles_set(with_mood: bool) -> str:
    if with_mood:
        return "Done: your playlists are named after your mood from now on."
    return "Done: your playlists are named by date only, without your mood."


def playlist_ready(url: str) -> str:
    return f"Your playlist is on Spotify now: {url}"


def unknown_command(name: str) -> str:
    return f"I don't know the command /{name}. Here's what I can do:\n\n{HELP}"


def describe_mood(mood: Mood) -> str:
    return f"{mood_words(mood.valence, mood.arousal)} (valence {mood.valence:+.2f}, arousal {mood.arousal:+.2f})"


def mode_menu(current: Mode) -> Outgoing:
    rows = tuple((Button(mode.label, command_action("mode", mode.value)),) for mode in Mode)
    return Outgoing(f'The mode is "{current.label}". What should the music do?', rows)


def mode_set(mode: Mode) -> str:
    return f'Got it: the mode is now "{mode.label}". Tell me how you feel.'


def consent_buttons(owner_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("Yes, use my anonymised logs", owned_action(owner_id, "privacy", "on")),
            Button("No thanks", owned_action(owner_id, "privacy", "off")),
        ),
    )


def privacy_status(consent: bool, owner_id: int) -> Outgoing:
    state = (
        "ON: your anonymised mood logs may be used" if consent else "OFF: nothing of yours is used"
    )
    return Outgoing(f"Research use is {state} for research.", consent_buttons(owner_id))


def privacy_changed(consent: bool) -> str:
    if consent:
        return "Thank you! Research use is on. Turn it off any time with /privacy off."
    return "Research use is off. Nothing of yours will be used for research."


def forget_buttons(owner_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("Yes, delete everything", owned_action(owner_id, "forget", "yes")),
            Button("No, keep it", owned_action(owner_id, "forget", "no")),
        ),
    )


def reaction_noted(kind: str, title: str) -> str:
    return {
        "like": f'Noted: you like "{title}". I\'ll lean that way next time.',
        "dislike": f'Noted: not "{title}". I won\'t send it again.',
        "skip": f'Skipped "{title}".',
        "played": f'Glad you played "{title}" to the end.',
    }[kind]


def checkin_question(name: str | None, before: Mood) -> str:
    who = f"{name}, how" if name else "How"
    return (
        f"{who} do you feel now? Earlier you sounded {mood_words(before.valence, before.arousal)}. "
        "A few words are enough, or tap the scales: top row how pleasant (1 very unpleasant, "
        "5 very pleasant), bottom row how energetic (1 very calm, 5 very excited)."
    )


# The Self-Assessment Manikin's two scales as 5-point button rows: pleasure and arousal.
SAM_VALENCE_FACES = ("😞", "🙁", "😐", "🙂", "😄")
SAM_AROUSAL_FACES = ("😴", "😌", "😐", "😃", "⚡")

SAM_BEFORE = (
    "For the study you joined: how would you rate your mood yourself, right now? Top row how "
    "pleasant (1 very unpleasant, 5 very pleasant), bottom row how energetic (1 very calm, "
    "5 very excited). Optional."
)
SAM_NOT_YOURS = "Those scales belong to someone else's question."
SAM_CLOSED = "That question has closed, thanks all the same."
SAM_HELP = "Tap the scales under my question to rate your mood."


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
    what = "pleasant" if dimension == "valence" else "energetic"
    more = " Now the other row, please." if other_missing else ""
    return f"Noted: {point} of 5 for how {what} you feel.{more}"


def study_no_playlist(mood: Mood, delay: timedelta) -> str:
    return (
        f"You sound {describe_mood(mood)}. This time, as part of the study you joined, I send no "
        f"songs and only ask how you feel in {_duration(delay)}: the comparison shows what the "
        "music itself does. Thank you!"
    )


def checkin_thanks(before: Mood, after: Mood) -> str:
    dv, da = after.valence - before.valence, after.arousal - before.arousal
    return (
        f"Thanks for telling me. Before: {describe_mood(before)}. Now: {describe_mood(after)}. "
        f"Change: valence {dv:+.2f}, arousal {da:+.2f}."
    )


def playlist_header(mood: Mood, mode: Mode, title: str) -> str:
    return f"You sound {describe_mood(mood)}. Mode: {mode.label}.\n{title}"


def playlist_title(mode: Mode, mood: Mood, now: datetime, with_mood: bool = False) -> str:
    """The playlist's name, which Spotify shows to whoever sees the playlist: the mood only when
    the person chose so (/spotify titles mood)."""
    if not with_mood:
        return f"Moodwave, {now:%d %b}"
    return (
        f"{mode.label.capitalize()}: from '{mood_words(mood.valence, mood.arousal)}', {now:%d %b}"
    )


def other_modes_buttons(current: Mode) -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(m.label, command_action("mode", m.value)) for m in Mode if m != current),)


def notice(text: str) -> Outgoing:
    """A short acknowledgement a platform may show in place (a toast) rather than as a message."""
    return Outgoing(text, meta={"notice": "1"})
