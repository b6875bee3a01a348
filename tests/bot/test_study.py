"""The mood-shift study in the conversation: only consenting people are randomised into arms (seeded,
stored with the recommendation), the check-in-only control sends no songs, and the Self-Assessment
Manikin buttons record the mood before and after (both scales answer an open check-in)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.core import replies
from bot.core.events import ChatKind, Command, TextMessage, decode_action
from bot.core.study import StudyArms
from recommender.arms import Arm, ArmAssigner, RandomSongsRecommender
from storage.export import export_study
from storage.models import CheckIn, MoodReport, Recommendation, RecommendationItem
from tests.bot.conftest import Harness


def rows(h: Harness, table: type) -> list:
    with h.store.session() as s:
        return list(s.exec(select(table)))


def with_study(h: Harness, weights: dict[Arm, float], seed: str = "test-seed") -> ArmAssigner:
    assigner = ArmAssigner(weights, seed)
    production = h.seams["recommender"]
    songs = h.seams["catalog"].songs
    h.rebuild(
        study=StudyArms(
            assigner, {Arm.NEAREST: production, Arm.RANDOM: RandomSongsRecommender(songs)}
        )
    )
    return assigner


def press(h: Harness, action: str, user: str = "u1", chat: str | None = None) -> list:
    payload = decode_action(action)
    assert payload is not None
    return h.send(payload, user=user, chat=chat)


def test_people_without_consent_are_never_randomised(harness: Harness) -> None:
    with_study(harness, {Arm.CHECKIN_ONLY: 1.0})  # every consenting person would get no songs
    (out,) = harness.send(TextMessage("happy and excited today"))
    assert out.entries  # a playlist: the study does not touch them
    (rec,) = rows(harness, Recommendation)
    assert (rec.arm, rec.randomised, rec.arm_draw) == ("nearest", False, None)


def test_consenting_people_are_assigned_seeded_arms_stored_with_the_recommendation(
    harness: Harness,
) -> None:
    assigner = with_study(harness, {Arm.NEAREST: 1.0, Arm.RANDOM: 1.0, Arm.CHECKIN_ONLY: 1.0})
    harness.send(Command("privacy", ("on",)))
    for i in range(24):
        harness.send(TextMessage(["tired and sad", "calm", "so happy", "angry"][i % 4]))
        harness.clock.advance(timedelta(minutes=1))
    recs = rows(harness, Recommendation)
    assert len(recs) == 24 and all(r.randomised for r in recs)
    for rec in recs:  # recomputable from the seed and the unit key
        expected = assigner.assign(f"mood-report:{rec.mood_report_id}")
        assert (rec.arm, rec.arm_draw) == (expected.arm.value, expected.draw)
    counts = Counter(r.arm for r in recs)
    assert set(counts) == {"nearest", "random", "checkin-only"}
    items = Counter(i.recommendation_id for i in rows(harness, RecommendationItem))
    for rec in recs:
        assert (items[rec.id] > 0) == (rec.arm != "checkin-only")
        assert (
            rec.strategy
            == {
                "nearest": "nearest-mood",
                "random": "random-control",
                "checkin-only": "none",
            }[rec.arm]
        )


def test_checkin_only_arm_sends_no_songs_but_asks_later(harness: Harness) -> None:
    with_study(harness, {Arm.CHECKIN_ONLY: 1.0})
    harness.send(Command("privacy", ("on",)))
    note, sam_before = harness.send(TextMessage("worried and tense"))
    assert not note.entries and "no songs" in note.text
    assert sam_before.text == replies.SAM_BEFORE and len(sam_before.buttons) == 2
    harness.clock.advance(timedelta(minutes=31))
    assert harness.job.run_once() == 1
    (thanks,) = harness.send(TextMessage("a bit calmer now"))
    assert "Before" in thanks.text
    (checkin,) = rows(harness, CheckIn)
    assert checkin.status == "answered"


def test_checkins_off_means_no_randomisation(harness: Harness) -> None:
    with_study(harness, {Arm.CHECKIN_ONLY: 1.0})
    harness.send(Command("privacy", ("on",)))
    harness.send(Command("checkin", ("off",)))
    (out,) = harness.send(TextMessage("happy"))
    assert out.entries
    assert rows(harness, Recommendation)[0].randomised is False


def test_sam_before_is_stored_on_the_recommendation_and_only_by_its_owner(
    harness: Harness,
) -> None:
    with_study(harness, {Arm.NEAREST: 1.0})
    harness.send(Command("privacy", ("on",)))
    playlist, sam_before = harness.send(TextMessage("sad and tired"))
    assert playlist.entries
    valence_row, arousal_row = sam_before.buttons
    assert valence_row[0].label.endswith("1") and len(arousal_row) == 5
    assert all(len(b.action.encode()) <= 64 for b in valence_row + arousal_row)
    (noted,) = press(harness, valence_row[1].action)  # 2 of 5
    assert noted.meta.get("notice") and "2 of 5" in noted.text
    press(harness, arousal_row[0].action)  # 1 of 5
    (stranger,) = press(harness, valence_row[4].action, user="u2")
    assert stranger.text == replies.SAM_NOT_YOURS
    (rec,) = rows(harness, Recommendation)
    assert (rec.self_valence_before, rec.self_arousal_before) == (-0.5, -1.0)


def test_both_sam_scales_answer_an_open_checkin(harness: Harness) -> None:
    harness.send(TextMessage("stressed and anxious"))
    harness.clock.advance(timedelta(minutes=31))
    assert harness.job.run_once() == 1
    ((_, question),) = harness.delivered.items
    valence_row, arousal_row = question.buttons
    (first,) = press(harness, valence_row[3].action)  # pleasant 4
    assert "other row" in first.text and first.meta.get("notice")
    assert rows(harness, CheckIn)[0].status == "sent"
    (thanks,) = press(harness, arousal_row[1].action)  # energetic 2: both given, answered
    assert "Before" in thanks.text and not thanks.meta.get("notice")
    (checkin,) = rows(harness, CheckIn)
    assert checkin.status == "answered"
    assert (checkin.self_valence, checkin.self_arousal) == (0.5, -0.5)
    after = next(r for r in rows(harness, MoodReport) if r.id == checkin.mood_after_id)
    assert after.source == "checkin-sam" and (after.valence, after.arousal) == (0.5, -0.5)
    # A later press changes the self-report and nothing else; words now start a new request.
    press(harness, valence_row[4].action)
    assert rows(harness, CheckIn)[0].self_valence == 1.0


def test_words_answer_first_and_sam_is_still_recorded_after(harness: Harness) -> None:
    harness.send(TextMessage("stressed and anxious"))
    harness.clock.advance(timedelta(minutes=31))
    harness.job.run_once()
    ((_, question),) = harness.delivered.items
    harness.send(TextMessage("calmer now, relaxed"))
    valence_row, arousal_row = question.buttons
    press(harness, valence_row[3].action)
    (noted,) = press(harness, arousal_row[0].action)
    assert noted.meta.get("notice")
    (checkin,) = rows(harness, CheckIn)
    after = next(r for r in rows(harness, MoodReport) if r.id == checkin.mood_after_id)
    assert after.source == "checkin"  # the model's reading of the words stays the mood after
    assert (checkin.self_valence, checkin.self_arousal) == (0.5, -1.0)


def test_sam_on_an_expired_checkin_or_someone_elses_is_refused_kindly(harness: Harness) -> None:
    harness.send(TextMessage("sad"), user="u1", chat="g", kind=ChatKind.GROUP)
    harness.clock.advance(timedelta(minutes=31))
    harness.job.run_once()
    ((_, question),) = harness.delivered.items
    action = question.buttons[0][2].action
    (other,) = press(harness, action, user="u2", chat="g")
    assert other.text == replies.SAM_NOT_YOURS
    harness.clock.advance(timedelta(hours=13))
    harness.job.run_once()  # expires it
    (late,) = press(harness, action, user="u1", chat="g")
    assert late.text == replies.SAM_CLOSED
    (forged,) = harness.send(Command("sam", ("c", "x", "v", "9")))
    assert forged.text == replies.SAM_HELP


SECRET = "another-research-secret-0123"


def exported_people(h: Harness, tmp_path: Path) -> list[dict[str, str]]:
    summary = export_study(h.store.engine, tmp_path / "export", "csv", SECRET)
    with summary.path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_consent_revocation_and_forget_decide_what_is_exported(
    harness: Harness, tmp_path: Path
) -> None:
    with_study(harness, {Arm.NEAREST: 1.0})
    harness.send(TextMessage("sad and tired"), user="quiet")  # never consents
    harness.send(Command("privacy", ("on",)))
    harness.send(TextMessage("sad and tired"))
    harness.clock.advance(timedelta(minutes=31))
    harness.job.run_once()
    harness.send(TextMessage("happier and calmer now"))
    (row,) = exported_people(harness, tmp_path)
    assert row["arm"] == "nearest" and row["checkin_status"] == "answered"
    assert float(row["delta_valence"]) > 0 and row["after_source"] == "checkin"
    person = row["person"]
    harness.send(Command("privacy", ("off",)))  # withdrawn: gone from every export from now on
    assert exported_people(harness, tmp_path) == []
    harness.send(Command("privacy", ("on",)))
    (again,) = exported_people(harness, tmp_path)
    assert again["person"] == person  # the same pseudonym across exports
    harness.send(Command("forget", ("yes",)))
    assert exported_people(harness, tmp_path) == []


def test_research_is_not_reachable_from_a_chat(harness: Harness) -> None:
    for name in ("export", "report"):
        (out,) = harness.send(Command(name))
        assert out.text == replies.unknown_command(name)
