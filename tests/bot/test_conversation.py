"""The whole conversation through the core, on SQLite and PostgreSQL: mood -> songs -> reactions ->
check-in -> the mood after, and every kind of bad input getting a kind, specific answer."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core import mix_replies, replies
from bot.core.events import ChatKind, Command, ReactionKind, ReactionPress, TextMessage, VoiceNote
from recommender.songs import Song
from storage.models import (
    CheckIn,
    MoodReport,
    Playlist,
    Reaction,
    Recommendation,
    RecommendationItem,
    User,
)
from tests.bot.conftest import Harness


def rows(h: Harness, table: type) -> list:
    with h.store.session() as s:
        return list(s.exec(select(table)))


def test_start_greets_and_asks_consent_separately_off_by_default(harness: Harness) -> None:
    greeting, consent = harness.send(Command("start"))
    assert "how you feel" in greeting.text
    assert "research" in consent.text
    actions = [b.action for row in consent.buttons for b in row]
    (user,) = rows(harness, User)
    assert actions == [f"privacy:on:u{user.id}", f"privacy:off:u{user.id}"]  # theirs alone
    assert user.research_consent is False
    harness.send(Command("privacy", ("on",)))
    assert rows(harness, User)[0].research_consent is True
    harness.send(Command("privacy", ("off",)))
    assert rows(harness, User)[0].research_consent is False


def test_mood_text_gives_a_ranked_playlist_and_schedules_a_checkin(harness: Harness) -> None:
    (out,) = harness.send(TextMessage("I feel so sad and lonely tonight"))
    assert len(out.entries) == 10
    assert [e.position for e in out.entries] == list(range(1, 11))
    assert all(e.reason and e.url.startswith("https://open.spotify.com/") for e in out.entries)
    assert all(e.video_url and e.video_url.startswith("https://") for e in out.entries)
    assert "valence -" in out.text  # a sad message reads as negative valence
    (report,) = rows(harness, MoodReport)
    assert report.valence < 0 and report.source == "text" and report.model_version
    (rec,) = rows(harness, Recommendation)
    assert rec.mood_report_id == report.id and rec.strategy == "nearest-mood"
    assert len(rows(harness, RecommendationItem)) == 10
    assert rows(harness, Playlist)[0].provider == "links"
    (checkin,) = rows(harness, CheckIn)
    assert checkin.status == "pending"
    assert checkin.due_at == harness.clock.now + timedelta(minutes=30)


def test_reactions_are_stored_and_change_the_next_playlist(harness: Harness) -> None:
    (first,) = harness.send(TextMessage("happy and excited, great day"))
    disliked, liked = first.entries[0], first.entries[1]
    (ack,) = harness.send(Command("dislike", ("1",)))
    assert "won't send it again" in ack.text
    (ack,) = harness.send(ReactionPress(liked.item_id, ReactionKind.LIKE))
    assert "like" in ack.text
    harness.send(Command("skip", ("3",)))
    kinds = sorted(r.kind for r in rows(harness, Reaction))
    assert kinds == ["dislike", "like", "skip"]
    harness.clock.advance(timedelta(days=2))  # past the no-repeat window
    (second,) = harness.send(TextMessage("happy and excited, great day"))
    titles = [(e.title, e.artist) for e in second.entries]
    assert (disliked.title, disliked.artist) not in titles
    assert titles != [(e.title, e.artist) for e in first.entries]


def test_checkin_is_asked_when_due_and_the_answer_is_stored_against_the_mood_before(
    harness: Harness,
) -> None:
    harness.send(TextMessage("anxious and stressed about work"))
    assert harness.job.run_once() == 0  # not due yet
    harness.clock.advance(timedelta(minutes=31))
    assert harness.job.run_once() == 1
    ((_, question),) = harness.delivered.items
    assert "How do you feel now?" in question.text
    assert harness.job.run_once() == 0  # asked once
    (thanks,) = harness.send(TextMessage("much calmer now, relaxed and content"))
    assert "Before" in thanks.text and "Now" in thanks.text
    (checkin,) = rows(harness, CheckIn)
    assert checkin.status == "answered" and checkin.mood_after_id is not None
    before = next(r for r in rows(harness, MoodReport) if r.id == checkin.mood_before_id)
    after = next(r for r in rows(harness, MoodReport) if r.id == checkin.mood_after_id)
    assert after.source == "checkin" and after.valence > before.valence
    assert len(rows(harness, Recommendation)) == 1  # the answer was not taken as a new request


def test_unanswered_checkin_expires_and_text_then_starts_a_new_playlist(harness: Harness) -> None:
    harness.send(TextMessage("bored and tired"))
    harness.clock.advance(timedelta(minutes=31))
    harness.job.run_once()
    harness.clock.advance(timedelta(hours=13))
    harness.job.run_once()
    assert rows(harness, CheckIn)[0].status == "expired"
    (out,) = harness.send(TextMessage("happy again"))
    assert out.entries


def test_group_checkin_names_the_member(harness: Harness) -> None:
    harness.send(
        TextMessage("so excited for tonight"), user="u7", chat="g1", kind=ChatKind.GROUP, name="Bea"
    )
    harness.clock.advance(timedelta(hours=1))
    harness.job.run_once()
    ((_, question),) = harness.delivered.items
    assert question.text.startswith("Bea, how do you feel now?")


def test_mode_changes_the_target(harness: Harness) -> None:
    (menu,) = harness.send(Command("mode"))
    assert len(menu.buttons) == 4
    (ok,) = harness.send(Command("mode", ("calm",)))
    assert "calm me down" in ok.text
    (out,) = harness.send(TextMessage("furious and stressed, everything is chaos"))
    assert "calm me down" in out.text
    (rec,) = rows(harness, Recommendation)
    assert rec.mode == "calm" and rec.target_arousal < 0


def test_duplicate_update_is_handled_once(harness: Harness) -> None:
    assert harness.send(TextMessage("happy"), update_id="77")
    assert harness.send(TextMessage("happy"), update_id="77") == []
    assert len(rows(harness, MoodReport)) == 1


def test_forget_asks_first_then_deletes_everything(harness: Harness) -> None:
    harness.send(TextMessage("sad and tired"))
    harness.send(Command("like", ("1",)))
    (ask,) = harness.send(Command("forget"))
    (user,) = rows(harness, User)
    assert [b.action for row in ask.buttons for b in row] == [
        f"forget:yes:u{user.id}",
        f"forget:no:u{user.id}",
    ]
    (kept,) = harness.send(Command("forget", ("no",)))
    assert kept.text == replies.FORGET_KEPT and rows(harness, User)
    (done,) = harness.send(Command("forget", ("yes",)))
    assert done.text == replies.FORGET_DONE
    for table in (
        User,
        MoodReport,
        Recommendation,
        RecommendationItem,
        Reaction,
        CheckIn,
        Playlist,
    ):
        assert rows(harness, table) == [], table


def test_bad_input_gets_kind_specific_answers(harness: Harness) -> None:
    assert harness.send(TextMessage("   "))[0].text == replies.EMPTY_MESSAGE
    assert harness.send(TextMessage("qwzx vbnm"))[0].text == replies.UNREADABLE_MOOD
    (unknown,) = harness.send(Command("dance"))
    assert "don't know the command /dance" in unknown.text
    assert harness.send(Command("like", ("1",)))[0].text == replies.NO_SUCH_SONG  # no playlist
    assert harness.send(ReactionPress(424242, ReactionKind.LIKE))[0].text == replies.NO_SUCH_SONG
    assert harness.send(Command("feel", ("better",)))[0].text == replies.NO_OPEN_CHECKIN
    assert harness.send(VoiceNote(b"OggS"))[0].text == replies.VOICE_UNSUPPORTED
    harness.send(TextMessage("happy"))
    assert harness.send(Command("like", ("99",)))[0].text == replies.NO_SUCH_SONG
    assert rows(harness, Reaction) == []


def test_numbers_that_are_not_plain_digits_get_the_usage_not_the_apology(
    harness: Harness,
) -> None:
    harness.send(TextMessage("happy"))
    for number in ("²", "①", "٣", str(2**64)):
        (out,) = harness.send(Command("like", (number,)))
        assert out.text.startswith("Which song?"), number
        assert harness.send(Command("sam", ("c", number, "v", "3")))[0].text != replies.APOLOGY
        assert harness.send(Command("sam", ("c", "1", "v", number)))[0].text != replies.APOLOGY
    assert rows(harness, Reaction) == []


def test_nul_characters_are_taken_out_not_refused(harness: Harness) -> None:
    """PostgreSQL refuses NUL in text: before, this message got the apology there."""
    (out,) = harness.send(TextMessage("so happy\x00 today\x00"), name="A\x00nn")
    assert out.entries, out.text
    (report,) = rows(harness, MoodReport)
    assert report.text == "so happy today"
    assert rows(harness, User)[0].display_name == "Ann"
    assert harness.send(Command("mode\x00", ("lift\x00",)))[0].text != replies.APOLOGY


def test_someone_elses_item_cannot_be_reacted_to_from_another_chat(harness: Harness) -> None:
    (out,) = harness.send(TextMessage("happy"), user="u1")
    item = out.entries[0].item_id
    assert harness.send(ReactionPress(item, ReactionKind.LIKE), user="u2")[0].text == (
        replies.NO_SUCH_SONG
    )


def test_huge_message_is_kept_whole_and_read_in_part(harness: Harness) -> None:
    text = ("I am happy and grateful. " * 2100)[:49_999] + "!"
    note, playlist = harness.send(TextMessage(text))
    assert "50,000 characters" in note.text
    assert playlist.entries
    (report,) = rows(harness, MoodReport)
    assert len(report.text) == 50_000 and report.valence > 0


def test_an_error_in_one_update_costs_an_apology_not_the_bot(harness: Harness) -> None:
    class Broken:
        version = "broken"

        def estimate(self, text: str):  # type: ignore[no-untyped-def]
            raise RuntimeError("model crashed")

    good = harness.conversation.estimator
    harness.conversation.estimator = Broken()  # type: ignore[assignment]
    assert harness.send(TextMessage("happy"))[0].text == replies.APOLOGY
    harness.conversation.estimator = good
    assert harness.send(TextMessage("happy"))[0].entries


def test_text_beyond_the_models_window_is_said_to_be_read_in_part(harness: Harness) -> None:
    from dataclasses import replace

    lexicon = harness.conversation.estimator

    class Windowed:
        version = "windowed"

        def estimate(self, text: str):  # type: ignore[no-untyped-def]
            return replace(lexicon.estimate(text), truncated=len(text) > 100)

    harness.conversation.estimator = Windowed()  # type: ignore[assignment]
    note, playlist = harness.send(TextMessage("I am cheerful and content. " * 10))
    assert note.text == replies.READ_IN_PART and playlist.entries
    (only,) = harness.send(TextMessage("cheerful"))
    assert only.entries


def test_group_mix_collects_moods_and_sends_one_playlist(harness: Harness) -> None:
    from bot.checkins import MixJob

    sent: list[tuple[str, str]] = []
    job = MixJob(
        harness.store, harness.conversation, "test", lambda chat, out: sent.append((chat, out.text))
    )

    def say(user: str, name: str, payload):  # type: ignore[no-untyped-def]
        return harness.send(payload, user=user, chat="g9", kind=ChatKind.GROUP, name=name)

    (private,) = harness.send(Command("mix"), user="solo")
    assert private.text == mix_replies.MIX_ONLY_IN_GROUPS
    say("u0", "Zed", TextMessage("bored and flat"))  # a quiet member with a known mood
    harness.clock.advance(timedelta(minutes=1))
    (started,) = say("u1", "Ann", Command("mix"))
    assert "group mix" in started.text and "least misery" in started.text
    assert say("u2", "Bea", Command("mix"))[0].text == mix_replies.MIX_ALREADY_OPEN
    (joined,) = say("u1", "Ann", TextMessage("happy and excited"))
    assert "1 in the mix" in joined.text and not joined.entries
    say("u2", "Bea", TextMessage("tired and sad"))
    (third,) = say("u3", "Cy", TextMessage("calm and relaxed"))
    assert "3 in the mix" in third.text
    assert job.run_once() == 0  # not due yet
    harness.clock.advance(timedelta(minutes=4))
    assert job.run_once() == 1
    assert job.run_once() == 0  # closed once
    (ready, header) = [text for _, text in sent]
    assert "You sound" in header
    assert "Ann, Bea, Cy" in ready and "1 quieter member" in ready
    recs = rows(harness, Recommendation)
    group = [r for r in recs if r.strategy == "group-least-misery"]
    assert len(group) == 1
    items = [i for i in rows(harness, RecommendationItem) if i.recommendation_id == group[0].id]
    assert len(items) == 10
    # Every member who answered gets their own check-in about the shared playlist.
    checkins = [c for c in rows(harness, CheckIn) if c.recommendation_id == group[0].id]
    assert len(checkins) == 3 and len({c.user_id for c in checkins}) == 3
    # Members react individually to the shared songs.
    (ack,) = say("u2", "Bea", Command("dislike", ("1",)))
    assert "won't send it again" in ack.text


def test_mix_with_no_answers_ends_kindly(harness: Harness) -> None:
    from bot.checkins import MixJob

    sent: list[str] = []
    job = MixJob(
        harness.store, harness.conversation, "test", lambda chat, out: sent.append(out.text)
    )
    harness.send(Command("mix", ("average",)), user="u1", chat="g2", kind=ChatKind.GROUP)
    harness.clock.advance(timedelta(minutes=5))
    assert job.run_once() == 1
    assert sent == [mix_replies.MIX_EMPTY]


def test_checkin_that_moved_toward_the_target_rewards_the_playlist(harness: Harness) -> None:
    from recommender.ranking import Feedback

    inner = harness.seams["recommender"]
    seen: list[Feedback] = []

    class Learning:
        strategy, version = inner.strategy, inner.version

        def recommend(self, request):  # type: ignore[no-untyped-def]
            return inner.recommend(request)

        def score(self, request, track_ids):  # type: ignore[no-untyped-def]
            return inner.score(request, track_ids)

        def observe(self, feedback: Feedback) -> None:
            seen.append(feedback)

    harness.rebuild(recommender=Learning())
    harness.send(Command("mode", ("lift",)))
    harness.send(TextMessage("miserable, sad and hopeless"))
    harness.send(Command("like", ("1",)))
    assert [f.kind for f in seen] == ["like"]
    harness.clock.advance(timedelta(hours=2))
    harness.job.run_once()
    harness.send(TextMessage("happy and hopeful now"))
    rewards = [f for f in seen if f.kind == "checkin-improved"]
    assert len(rewards) == 10 and rewards[0].mood.valence < 0


def test_checkin_preferences_off_on_and_delay(harness: Harness) -> None:
    from bot.core.preferences import parse_delay

    assert "on, 30 minutes" in harness.send(Command("checkin"))[0].text
    harness.send(TextMessage("sad and lonely"))
    (off,) = harness.send(Command("checkin", ("off",)))
    assert "off" in off.text
    assert [c.status for c in rows(harness, CheckIn)] == ["cancelled"]
    harness.send(TextMessage("sad and lonely"))
    assert len(rows(harness, CheckIn)) == 1  # no new check-in while off
    (delay,) = harness.send(Command("checkin", ("2h",)))
    assert "2 hours" in delay.text
    harness.send(TextMessage("sad and lonely"))
    newest = max(rows(harness, CheckIn), key=lambda c: c.id or 0)
    assert newest.due_at == harness.clock.now + timedelta(hours=2)
    assert harness.send(Command("checkin", ("soon",)))[0].text == replies.CHECKIN_HELP
    assert parse_delay("90 min") == timedelta(minutes=90) and parse_delay("3d") is None
    assert parse_delay("0m") is None


def test_not_quite_button_corrects_the_mood_and_sends_new_songs(harness: Harness) -> None:
    (first,) = harness.send(TextMessage("happy and excited"))
    actions = [b.action for row in first.buttons for b in row]
    assert "fix:down" in actions
    (again,) = harness.send(Command("fix", ("down",)))
    assert "valence -0.60" in again.text and again.entries
    reports = rows(harness, MoodReport)
    assert [r.source for r in reports] == ["text", "correction"]
    assert (reports[1].valence, reports[1].arousal) == (-0.6, -0.4)
    assert harness.send(Command("fix", ("sideways",)))[0].text == replies.CORRECTION_HELP


def test_one_like_does_not_take_over_the_next_list(
    harness: Harness, catalog_slice: list[Song]
) -> None:
    from recommender import rankers

    songs = {(s.name, s.artist): s for s in catalog_slice}
    harness.conversation.recommender = rankers.build("widedeep", catalog_slice)  # learns online
    (first,) = harness.send(TextMessage("happy and excited, great day"))
    liked = songs[(first.entries[0].title, first.entries[0].artist)]
    harness.send(Command("like", ("1",)))
    (second,) = harness.send(TextMessage("happy and excited, great day"))
    assert len(second.entries) == 10
    genres = [songs[(e.title, e.artist)].genres[:1] for e in second.entries]
    assert sum(g == liked.genres[:1] for g in genres) <= 4
    reasons = [e.reason for e in second.entries]
    assert len(set(reasons)) == len(reasons), reasons
