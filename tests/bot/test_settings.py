"""Settings from the environment, friendly durations, and `moodwave config` never showing a secret."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.settings import Settings, parse_duration
from storage.migrate import head_revision


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("MOODWAVE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    return monkeypatch


def test_defaults_put_sqlite_under_the_users_data_folder(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("home/moodwave.db")
    assert settings.checkin_delay == timedelta(hours=1)
    assert settings.data_dir is None and settings.worker_url == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("1.5h", timedelta(hours=1.5)),
        ("2d", timedelta(days=2)),
        ("0", timedelta(0)),
    ],
)
def test_durations_read_like_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_iso_durations_and_env_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MOODWAVE_CHECKIN_DELAY=PT2H\nMOODWAVE_PLAYLIST_SIZE=7\n")
    settings = Settings()
    assert settings.checkin_delay == timedelta(hours=2) and settings.playlist_size == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MOODWAVE_PLAYLIST_SIZE", "500"),
        ("MOODWAVE_CORE_THREADS", "0"),
        ("MOODWAVE_TEXT_PRECISION", "int4"),
    ],
)
def test_bad_values_are_refused(clean_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_config_masks_secrets(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("MOODWAVE_TELEGRAM_TOKEN", "123456:telegram-secret-token")
    clean_env.setenv("MOODWAVE_SPOTIFY_CLIENT_SECRET", "spotify-secret-value")
    clean_env.setenv("MOODWAVE_RESEARCH_SECRET", "research-secret-value")
    clean_env.setenv("MOODWAVE_DATABASE_URL", "postgresql+psycopg://bot:db-password@db:5432/mw")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    for secret in (
        "telegram-secret-token",
        "spotify-secret-value",
        "research-secret-value",
        "db-password",
    ):
        assert secret not in out
    assert "MOODWAVE_TELEGRAM_TOKEN" in out and "********" in out
    assert "postgresql+psycopg://bot:***@db:5432/mw" in out


@pytest.mark.parametrize(
    ("setting", "url", "shown"),
    [
        (
            "MOODWAVE_DATABASE_URL",
            "postgresql+psycopg://bot:pw-1@db:5432/mw?sslpassword=pw-2&password=pw-3&sslmode=require",
            "postgresql+psycopg://bot:***@db:5432/mw?sslpassword=***&password=***&sslmode=require",
        ),
        ("MOODWAVE_DATABASE_URL", "postgresql://bot:pw-1@x/y@db/mw", "postgresql://***@db/mw"),
        ("MOODWAVE_WORKER_URL", "http://bot:pw-1@worker:8800", "http://bot:***@worker:8800"),
        (
            "MOODWAVE_WORKER_URL",
            "http://worker:8800/?token=pw-1&x=1",
            "http://worker:8800/?token=***&x=1",
        ),
        (
            "MOODWAVE_TELEGRAM_API_URL",
            "http://u:pw-1@127.0.0.1:8081",
            "http://u:***@127.0.0.1:8081",
        ),
    ],
)
def test_config_masks_credentials_inside_urls(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    url: str,
    shown: str,
) -> None:
    clean_env.setenv(setting, url)
    assert main(["config", "--json"]) == 0
    out = capsys.readouterr().out
    assert "pw-" not in out
    assert json.loads(out)[setting.removeprefix("MOODWAVE_").lower()] == shown
    clean_env.setenv("MOODWAVE_DATABASE_URL", "sqlite:////var/lib/moodwave/moodwave.db")
    main(["config", "--json"])
    assert json.loads(capsys.readouterr().out)["database_url"] == (
        "sqlite:////var/lib/moodwave/moodwave.db"
    )


def test_invalid_setting_is_named_without_its_value(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("MOODWAVE_DEVICE", "tpu-secret-ish")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "MOODWAVE_DEVICE" in err and "tpu-secret-ish" not in err


def test_db_commands_migrate_and_report(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clean_env.setenv("MOODWAVE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["db", "current"]) == 0
    assert "database: (empty)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    assert f"database: {head_revision()}; latest: {head_revision()}" in out
    assert main(["db", "downgrade", "base"]) == 0
