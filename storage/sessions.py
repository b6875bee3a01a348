"""The engine every aggregate of the store works on, and the short session each method opens: one
transaction per method, so the chat handlers and the jobs can call at once, from several processes
on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)
