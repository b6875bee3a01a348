"""Who acts for whom on Telegram, through the real python-telegram-bot against the fake Bot API: a
group's anonymous administrators are one identity per group (not the one GroupAnonymousBot user of
every group), `/forget` by the member who led a group mix leaves the other members' rows, and the
consent and forget buttons act only for the person they were shown to."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.adapters.telegram import PLATFORM
from bot.core import replies
from storage.models import (
    CheckIn,
    GroupMix,
    GroupMixMember,
    MoodReport,
    Reaction,
    Recommendation,
    User,
)
from tests.bot.conftest import Harness
from tests.bot.test_telegram import RunningBot, last, reaction_button
from tests.fakes.telegram import GROUP_ANONYMOUS_BOT, FakeTelegram


def user_id(harness: Harness, external_id: int | str) -> int | None:
    with harness.store.session() as s:
        user = s.exec(
            select(User).where(User.platform == PLATFORM, User.external_id == str(external_id))
        ).first()
        return user.id if user else None


def test_anonymous_admins_of_two_groups_are_two_identities(
    harness: Harness, fake: FakeTelegram
) -> None:
    """Telegram sends every anonymous administrator's message `from` the same GroupAnonymousBot
    user: consent given in one group must not hold in another, nor /forget reach another's rows."""
    first = fake.create_group("Night owls", supergroup=True)
    second = fake.create_group("Early birds", supergroup=True)
    with RunningBot(harness, fake):
        fake.admin_sends_anonymously(first, "/privacy on", signature="Host")
        assert (last(fake, first, 1).text or "").startswith("Thank you! Research use is on")
        fake.admin_sends_anonymously(second, "/privacy")
        assert "OFF" in (last(fake, second, 1).text or "")
        fake.admin_sends_anonymously(second, "so happy and excited today")
        assert "You sound" in (last(fake, second, 2).text or "")
        fake.admin_sends_anonymously(first, "tired and drained tonight")
        assert "You sound" in (last(fake, first, 2).text or "")
        fake.admin_sends_anonymously(first, "/forget yes")
        assert last(fake, first, 3).text == replies.FORGET_DONE

    assert user_id(harness, GROUP_ANONYMOUS_BOT.id) is None  # nobody is keyed by the placeholder
    assert user_id(harness, f"chat:{first.id}@{first.id}") is None  # forgotten
    second_admins = user_id(harness, f"chat:{second.id}@{second.id}")
    assert second_admins is not None
    with harness.store.session() as s:
        reports = s.exec(select(MoodReport)).all()
        assert [r.text for r in reports] == ["so happy and excited today"]
        assert {r.user_id for r in reports} == {second_admins}
        others = s.get(User, second_admins)
        assert others is not None and not others.research_consent


def test_forget_by_the_mix_leader_keeps_the_other_members_rows(
    harness: Harness, fake: FakeTelegram
) -> None:
    """Ann led a group mix that Bea and Cy answered; Bea reacted to its songs. Bea cannot press
    Ann's forget button; Ann's own /forget takes her rows and leaves theirs, and their check-ins
    are still asked."""
    ann, bea, cy = fake.create_user("Ann"), fake.create_user("Bea"), fake.create_user("Cy")
    group = fake.create_group("Friday tunes")
    with RunningBot(harness, fake) as bot:
        fake.user_sends_command(ann, group, "mix")
        last(fake, group, 1)
        for n, (user, text) in enumerate(
            [(ann, "excited for tonight!"), (bea, "a bit tired"), (cy, "calm and happy")], start=2
        ):
            fake.user_sends_text(user, group, text)
            last(fake, group, n)
        harness.clock.advance(timedelta(minutes=5))
        assert bot.mixes.run_once() == 1
        playlist = last(fake, group, 6)
        press = fake.user_presses_button(bea, playlist, reaction_button(playlist, 2, "d"))
        fake.wait_for_callback_answer(press.callback_query_id or "")

        fake.user_sends_command(ann, group, "forget")
        ask = last(fake, group, 7)
        anns = user_id(harness, ann.id)
        assert ask.callback_data == [f"forget:yes:u{anns}", f"forget:no:u{anns}"]
        press = fake.user_presses_button(bea, ask, f"forget:yes:u{anns}")
        refused = fake.wait_for_callback_answer(press.callback_query_id or "")
        assert refused.answer_text == replies.NOT_YOUR_BUTTON  # a toast, not a chat message
        assert len(fake.sent_messages(group)) == 7
        assert user_id(harness, ann.id) == anns and user_id(harness, bea.id) is not None

        fake.user_presses_button(ann, ask, f"forget:yes:u{anns}")
        assert last(fake, group, 8).text == replies.FORGET_DONE

        harness.clock.advance(timedelta(hours=2))
        assert bot.job.run_once() == 2  # Bea and Cy are still asked how they feel
        last(fake, group, 10)
        fake.user_sends_text(bea, group, "better now, calm and hopeful")
        assert "Before:" in (last(fake, group, 11).text or "")

    assert user_id(harness, ann.id) is None
    members = {user_id(harness, bea.id), user_id(harness, cy.id)}
    with harness.store.session() as s:
        assert {r.user_id for r in s.exec(select(MoodReport))} == members
        assert [(r.user_id, r.kind) for r in s.exec(select(Reaction))] == [
            (user_id(harness, bea.id), "dislike")
        ]
        assert {c.user_id for c in s.exec(select(CheckIn))} == members
        assert {m.user_id for m in s.exec(select(GroupMixMember))} == members
        (shared,) = s.exec(select(Recommendation)).all()
        assert (shared.user_id, shared.mood_report_id) == (None, None)  # detached from Ann
        (mix,) = s.exec(select(GroupMix)).all()
        assert mix.started_by_id is None and mix.recommendation_id == shared.id


def test_consent_buttons_act_only_for_whom_they_were_shown(
    harness: Harness, fake: FakeTelegram
) -> None:
    ann, bea = fake.create_user("Ann"), fake.create_user("Bea")
    group = fake.create_group("Lunch")
    with RunningBot(harness, fake):
        fake.user_sends_command(ann, group, "start")
        consent = last(fake, group, 2)
        anns = user_id(harness, ann.id)
        assert consent.callback_data == [f"privacy:on:u{anns}", f"privacy:off:u{anns}"]
        press = fake.user_presses_button(bea, consent, f"privacy:on:u{anns}")
        refused = fake.wait_for_callback_answer(press.callback_query_id or "")
        assert refused.answer_text == replies.NOT_YOUR_BUTTON
        fake.user_presses_button(ann, consent, f"privacy:on:u{anns}")
        assert (last(fake, group, 3).text or "").startswith("Thank you! Research use is on")
    with harness.store.session() as s:
        consents = {u.external_id: u.research_consent for u in s.exec(select(User))}
    assert consents == {str(ann.id): True, str(bea.id): False}
