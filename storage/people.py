"""People and chats: who writes, where, and what they chose (mode, research consent, check-ins);
and forgetting a person entirely."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.forgetting import forget
from storage.models import (
    Chat,
    CheckIn,
    User,
    utcnow,
)
from storage.sessions import Sessions

Row = TypeVar("Row", bound=SQLModel)


@runtime_checkable
class PeopleStore(Protocol):
    """Users and chats, as the conversation and the adapters use them."""

    def get_or_create_user(
        self, platform: str, external_id: str, display_name: str | None = None
    ) -> User: ...

    def get_or_create_chat(
        self,
        platform: str,
        external_id: str,
        kind: str,
        title: str | None = None,
        owner_id: int | None = None,
    ) -> Chat: ...

    def migrate_chat(self, platform: str, old_external_id: str, new_external_id: str) -> None: ...

    def chat(self, chat_id: int) -> Chat | None: ...

    def user(self, user_id: int) -> User | None: ...

    def set_preferred_mode(self, user_id: int, mode: str) -> None: ...

    def set_research_consent(self, user_id: int, consent: bool) -> None: ...

    def set_playlist_mood_titles(self, user_id: int, with_mood: bool) -> None: ...

    def set_language(self, user_id: int, language: str | None) -> None: ...

    def set_platform_language(self, user_id: int, language: str | None) -> None: ...

    def set_checkin_preferences(
        self, user_id: int, enabled: bool, delay_s: float | None = None
    ) -> None: ...

    def forget_user(self, user_id: int) -> dict[str, int]: ...


class People(Sessions):
    """Users and chats in the database."""

    def get_or_create_user(
        self, platform: str, external_id: str, display_name: str | None = None
    ) -> User:
        query = select(User).where(User.platform == platform, User.external_id == external_id)
        return self._get_or_create(
            query,
            lambda: User(
                platform=platform,
                external_id=external_id,
                display_name=display_name,
                pseudonym=secrets.token_hex(8),
            ),
        )

    def get_or_create_chat(
        self,
        platform: str,
        external_id: str,
        kind: str,
        title: str | None = None,
        owner_id: int | None = None,
    ) -> Chat:
        query = select(Chat).where(Chat.platform == platform, Chat.external_id == external_id)
        return self._get_or_create(
            query,
            lambda: Chat(
                platform=platform,
                external_id=external_id,
                kind=kind,
                title=title,
                owner_id=owner_id if kind == "private" else None,
            ),
        )

    def migrate_chat(self, platform: str, old_external_id: str, new_external_id: str) -> None:
        """A chat got a new id (a Telegram group became a supergroup): keep its history."""
        with self.session() as s:
            s.execute(
                update(Chat)
                .where(col(Chat.platform) == platform, col(Chat.external_id) == old_external_id)
                .values(external_id=new_external_id)
            )
            try:
                s.commit()
            except IntegrityError:  # the new chat already exists: it carries on from here
                s.rollback()

    def chat(self, chat_id: int) -> Chat | None:
        with self.session() as s:
            return s.get(Chat, chat_id)

    def user(self, user_id: int) -> User | None:
        with self.session() as s:
            return s.get(User, user_id)

    def set_preferred_mode(self, user_id: int, mode: str) -> None:
        self._update_user(user_id, preferred_mode=mode)

    def set_language(self, user_id: int, language: str | None) -> None:
        """The language the person chose with /language; None goes back to the platform's."""
        self._update_user(user_id, language=language)

    def set_platform_language(self, user_id: int, language: str | None) -> None:
        """The language the person's app last reported, for replies sent outside an update."""
        self._update_user(user_id, platform_language=language)

    def set_research_consent(self, user_id: int, consent: bool) -> None:
        self._update_user(user_id, research_consent=consent, consent_changed_at=utcnow())

    def set_playlist_mood_titles(self, user_id: int, with_mood: bool) -> None:
        self._update_user(user_id, playlist_mood_titles=with_mood)

    def set_checkin_preferences(
        self, user_id: int, enabled: bool, delay_s: float | None = None
    ) -> None:
        values: dict[str, Any] = {"checkins_enabled": enabled}
        if delay_s is not None:
            values["checkin_delay_s"] = delay_s
        self._update_user(user_id, **values)
        if not enabled:  # nothing more is asked: pending check-ins of this user are dropped
            with self.session() as s:
                s.execute(
                    update(CheckIn)
                    .where(col(CheckIn.user_id) == user_id, col(CheckIn.status) == "pending")
                    .values(status="cancelled")
                )
                s.commit()

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything that belongs to the user, in one transaction (`storage.forgetting`).
        Returns how many rows went from each table."""
        with self.session() as s:
            counts = forget(s, user_id)
            s.commit()
        return counts

    def _get_or_create(self, query: SelectOfScalar[Row], make: Callable[[], Row]) -> Row:
        with self.session() as s:
            found = s.exec(query).first()
            if found is not None:
                return found
            row = make()
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # another process created it a moment ago
                s.rollback()
                return s.exec(query).one()
            s.refresh(row)
            return row

    def _update_user(self, user_id: int, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(User).where(col(User.id) == user_id).values(**values))
            s.commit()
