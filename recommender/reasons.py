"""Why a song is on the playlist, in words a person understands: its mood ("gentle and hopeful"),
its genre, and what tied it to this person ("you liked this artist") or to the request ("a step
toward calmer"). Pure functions of plain data, so every ranker can share them and tests read them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nlp import Mood
from recommender.ranking import TasteProfile
from recommender.songs import Song
from recommender.wording import N_, Translate, spoken

# Below this an axis reads as neither side; above STRONG it takes the stronger word.
NEUTRAL_BAND = 0.15
STRONG = 0.55
VERY = 0.85
# A song this close to the position's target "matches"; a target this far from the current mood is
# a deliberate step, worth naming.
CLOSE = 0.3
STEP = 0.15

# (mild, strong) words per side, chosen by the other axis: bright joy is not the same as calm joy.
_VALENCE_WORDS = {
    (1, 1): (N_("bright"), N_("joyful")),  # pleasant, aroused
    (1, -1): (N_("hopeful"), N_("warm")),  # pleasant, calm
    (-1, 1): (N_("tense"), N_("dark")),
    (-1, -1): (N_("wistful"), N_("melancholy")),
}
_AROUSAL_WORDS = {
    (1, 1): (N_("upbeat"), N_("energetic")),  # aroused, pleasant
    (1, -1): (N_("restless"), N_("driving")),  # aroused, unpleasant
    (-1, 1): (N_("gentle"), N_("calm")),
    (-1, -1): (N_("soft"), N_("calm")),
}


def mood_words(valence: float, arousal: float, translate: Translate = spoken) -> str:
    """Two words for a point in VA space, e.g. "gentle and hopeful", "very dark and driving";
    `translate` puts each word and the joining words in the reader's language (by default, that of
    the reply being built: `recommender.wording`)."""
    v_side, a_side = _side(valence), _side(arousal)
    if v_side == 0 and a_side == 0:
        return translate(N_("easygoing and even"))
    v_word = _VALENCE_WORDS[(v_side, a_side or 1)][abs(valence) >= STRONG] if v_side else N_("even")
    a_word = (
        _AROUSAL_WORDS[(a_side, v_side or 1)][abs(arousal) >= STRONG] if a_side else N_("steady")
    )
    # Calm moods read best arousal first ("gentle and hopeful"), lively ones valence first.
    first, second = (a_word, v_word) if a_side < 0 else (v_word, a_word)
    words = translate(N_("{first} and {second}")).format(
        first=translate(first), second=translate(second)
    )
    if max(abs(valence), abs(arousal)) >= VERY:
        return translate(N_("very {words}")).format(words=words)
    return words


def reason_for(song: Song, taste: TasteProfile, target: Mood, current: Mood | None = None) -> str:
    """One line: the song's mood and genre, then the strongest tie to this person or request.

    `current` is the user's mood when the playlist moves away from it (lift, calm, energise); the
    reason then says which way this song steps.
    """
    return _line(_head(song), _tie(song, taste, target, current))


def reasons_for(
    songs: Sequence[Song],
    taste: TasteProfile,
    targets: Sequence[Mood],
    current: Mood,
    new: Sequence[bool] = (),
) -> list[str]:
    """One reason per song of a playlist, no two alike: each song takes the most telling tie not
    used yet (this song or artist you liked, your genre, "something new for you" for a song
    outside your known taste, the step it takes, its energy or tempo against your mood), and the
    artist's name as the last resort (artists do not repeat within a list)."""
    used: set[str] = set()
    reasons = []
    for i, (song, target) in enumerate(zip(songs, targets, strict=True)):
        head = _head(song)
        ties = _ties(song, taste, target, current, i < len(new) and new[i])
        line = next((r for t in ties if (r := _line(head, t)) not in used), None)
        if line is None:
            line = _line(head, spoken(N_("by {artist}")).format(artist=song.artist))
        used.add(line)
        reasons.append(line)
    return reasons


def _head(song: Song) -> str:
    """The song's mood words and first genre (genres are names: they stay as the catalog has them)."""
    genre = song.genres[0] if song.genres else ""
    return f"{mood_words(song.valence, song.arousal)} {genre}".strip()


def _line(head: str, tie: str) -> str:
    return spoken(N_("{head}, {tie}")).format(head=head, tie=tie)


def _ties(song: Song, taste: TasteProfile, target: Mood, current: Mood, new: bool) -> list[str]:
    ties = []
    if song.track_id in taste.liked_tracks:
        ties.append(spoken(N_("you liked this one before")))
    if taste.artist_weight(song.artist) > 0:
        ties.append(spoken(N_("you liked {artist}")).format(artist=song.artist))
    liked_genre = next((g for g in song.genres if taste.genre_affinity.get(g, 0.0) > 0), None)
    if liked_genre is not None:
        ties.append(spoken(N_("you like {genre}")).format(genre=liked_genre))
    if new:
        ties.append(spoken(N_("something new for you")))
    if target.distance_to(current) >= STEP:
        ties.append(_step(current, target))
    if _distance(song, target) <= CLOSE:
        ties.append(spoken(N_("close to how you feel")))
    ties.append(_energy(song, current))
    tempo = song.features.get("tempo")
    if tempo and tempo > 0:
        ties.append(
            spoken(N_("{tempo:.0f} beats a minute, {energy}")).format(
                tempo=tempo, energy=_energy(song, current)
            )
        )
    return ties


def _energy(song: Song, current: Mood) -> str:
    gap = abs(song.arousal - current.arousal)
    if gap < STEP / 2:
        return spoken(N_("about your energy"))
    more = song.arousal > current.arousal
    if gap >= 2 * CLOSE:
        words = (
            N_("a lot more energetic than you feel")
            if more
            else N_("a lot less energetic than you feel")
        )
    elif gap < CLOSE:
        words = (
            N_("a little more energetic than you feel")
            if more
            else N_("a little less energetic than you feel")
        )
    else:
        words = N_("more energetic than you feel") if more else N_("less energetic than you feel")
    return spoken(words)


def _tie(song: Song, taste: TasteProfile, target: Mood, current: Mood | None) -> str:
    if song.track_id in taste.liked_tracks:
        return spoken(N_("you liked this one before"))
    if taste.artist_weight(song.artist) > 0:
        return spoken(N_("you liked this artist"))
    liked_genre = next((g for g in song.genres if taste.genre_affinity.get(g, 0.0) > 0), None)
    if liked_genre is not None:
        return spoken(N_("you like {genre}")).format(genre=liked_genre)
    if current is not None and target.distance_to(current) >= STEP:
        return _step(current, target)
    if _distance(song, target) <= CLOSE:
        return spoken(N_("close to how you feel"))
    return spoken(N_("the nearest we have to your mood"))


def _step(current: Mood, target: Mood) -> str:
    return spoken(N_("a step toward {direction}")).format(direction=_direction(current, target))


def _direction(current: Mood, target: Mood) -> str:
    """ "calmer", "brighter", "brighter and more energetic": the axes the target moves along,
    the larger move first."""
    dv, da = target.valence - current.valence, target.arousal - current.arousal
    moves = [
        (abs(dv), N_("brighter") if dv > 0 else N_("softer")),
        (abs(da), N_("more energetic") if da > 0 else N_("calmer")),
    ]
    words = [spoken(word) for size, word in sorted(moves, reverse=True) if size >= STEP / 2]
    if len(words) == 2:
        return spoken(N_("{first} and {second}")).format(first=words[0], second=words[1])
    return "".join(words)


def _distance(song: Song, target: Mood) -> float:
    return math.hypot(song.valence - target.valence, song.arousal - target.arousal)


def _side(value: float) -> int:
    if value >= NEUTRAL_BAND:
        return 1
    if value <= -NEUTRAL_BAND:
        return -1
    return 0
