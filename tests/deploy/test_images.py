"""The container images and the compose file, checked without Docker (no Docker on the development
machines): the Dockerfiles and compose.yaml are parsed and held against the code (commands are real
`moodwave` subcommands, settings are real settings, ports and health checks agree, the bot waits for
PostgreSQL's health and the migration), and the images' start commands are run directly here: the
worker's command answers /healthz and /v1/va, the migration command upgrades PostgreSQL, and the bot's
command with the compose environment serves Telegram's webhook and answers a message through the
worker."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.cli import _parser
from bot.settings import Settings
from tests.deploy.cluster import MOODWAVE, ROOT, Service, clean_env, free_port, wait_healthy
from tests.fakes.telegram import FakeTelegram

DEPLOY = ROOT / "deploy"
SETTINGS = {f"MOODWAVE_{name.upper()}": field for name, field in Settings.model_fields.items()}
# Every package the wheel holds (pyproject.toml's package list): an image lacking one fails at import.
PACKAGES = tuple(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"][
        "include"
    ]
)


def dockerfile(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", (DEPLOY / name).read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def instruction(steps: list[tuple[str, str]], name: str) -> list[str]:
    return [args for kind, args in steps if kind == name]


def env_of(steps: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in instruction(steps, "ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def env_template(name: str, *, commented: bool = False) -> dict[str, str]:
    """KEY=value lines of an env template; with `commented`, also the `# KEY=value` ones."""
    found: dict[str, str] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match and (commented or not match.group(1)):
            found[match.group(2)] = match.group(3)
    return found


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def assert_cli(command: list[str]) -> None:
    assert command[0] == "moodwave", command
    _parser().parse_args(command[1:])  # exits (SystemExit) on an unknown command or option


@pytest.mark.parametrize(
    ("name", "port", "torch_index"),
    [("Dockerfile.bot", 8443, "whl/cpu"), ("Dockerfile.worker", 8800, "whl/cu")],
)
def test_dockerfiles_agree_with_the_code(name: str, port: int, torch_index: str) -> None:
    steps = dockerfile(name)
    assert steps[0][0] == "FROM" and "python:3.11" in steps[0][1]
    copied = {shlex.split(args)[0] for args in instruction(steps, "COPY")}
    for source in copied:
        assert (ROOT / source).exists(), f"{name} copies {source}, which is not in the repository"
    assert {name.rstrip("*") for name in PACKAGES} <= copied  # every package pyproject installs
    # The locked versions, checked by hash, then moodwave alone; `pip check` proves them complete.
    runs = instruction(steps, "RUN")
    assert "requirements.lock" in copied
    assert any("--require-hashes --no-deps -r requirements.lock" in args for args in runs)
    assert any("pip install --no-deps ." in args and "pip check" in args for args in runs)
    assert all(key in SETTINGS for key in env_of(steps) if key.startswith("MOODWAVE_"))
    (cmd,) = instruction(steps, "CMD")
    command = json.loads(cmd)  # exec form: signals reach moodwave, not a shell
    assert_cli(command)
    (exposed,) = instruction(steps, "EXPOSE")
    assert int(exposed) == port
    started_on = (
        int(command[command.index("--port") + 1])
        if "--port" in command
        else int(env_of(steps)["MOODWAVE_WEB_PORT"])
    )
    assert started_on == port
    (health,) = instruction(steps, "HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/healthz" in health
    assert any(torch_index in args and "torch==" in args for args in instruction(steps, "RUN")) or (
        torch_index in " ".join(instruction(steps, "ARG"))
    )


def test_compose_file_agrees_with_the_images_and_settings() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", "worker", "bot"}
    assert services["postgres"]["healthcheck"]["test"]
    for name in ("migrate", "bot"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert_cli(services["migrate"]["command"])
    assert services["migrate"]["command"][1:3] == ["db", "upgrade"]
    for name in ("migrate", "worker"):
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    assert services["bot"]["image"] == services["migrate"]["image"]  # built once, run twice
    for service in services.values():
        env_file = service.get("env_file")
        if env_file:
            assert (DEPLOY / f"{env_file}.example").is_file(), env_file
    bot_env = services["bot"]["environment"]
    assert all(key in SETTINGS for key in bot_env)
    worker_url = urlsplit(bot_env["MOODWAVE_WORKER_URL"])
    assert worker_url.hostname == "worker" and worker_url.port == 8800
    assert services["worker"]["ports"] == ["127.0.0.1:8800:8800"]
    assert services["bot"]["ports"] == [f"{bot_env['MOODWAVE_WEB_PORT']}:8443"]
    (gpu,) = services["worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpu["capabilities"] == ["gpu"]
    for name in ("migrate", "worker", "bot"):  # an init as PID 1: signals reach moodwave
        assert services[name]["init"] is True, name


def test_build_context_leaves_out_environments_data_caches_and_secrets() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "data", "var", "*.db", "deploy/*.env", ".env"} <= ignored
    assert {"**/__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"} <= ignored
    for name in ("Dockerfile.bot", "Dockerfile.worker"):  # nothing an image copies is left out
        for args in instruction(dockerfile(name), "COPY"):
            assert shlex.split(args)[0] not in ignored, (name, args)


def test_env_templates_name_real_settings_and_hold_no_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("bot.env.example", "worker.env.example"):
        for key, value in env_template(name, commented=True).items():
            assert key in SETTINGS, f"{name}: {key} is not a setting"
            if SETTINGS[key].annotation in (SecretStr, SecretStr | None):
                assert value == "" or value.startswith("change-me"), f"{name}: {key} looks real"
        for key, value in env_template(name).items():
            monkeypatch.setenv(key, value)
        Settings(_env_file=None)  # type: ignore[call-arg]  # the values are valid as they stand
        for key in env_template(name):
            monkeypatch.delenv(key)
    database = make_url(env_template("bot.env.example")["MOODWAVE_DATABASE_URL"])
    postgres = env_template("postgres.env.example")
    assert database.host == "postgres" and database.port == 5432
    assert (database.username, database.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_DB"],
    )
    assert database.password == postgres["POSTGRES_PASSWORD"] == "change-me"


def test_ray_serve_config_points_at_the_application() -> None:
    pytest.importorskip("ray")
    import importlib
    import sys

    config = yaml.safe_load((DEPLOY / "ray-serve.yaml").read_text())
    assert config["http_options"]["port"] == 8800  # where the bots' MOODWAVE_WORKER_URL points
    (app,) = config["applications"]
    module_name, _, attribute = app["import_path"].partition(":")
    sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module(module_name)
    finally:
        sys.path.remove(str(ROOT))
    getattr(module, attribute)(dict(app["args"]))  # every argument is understood


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(1500)  # two services started in turn: minutes on a busy two-core machine
def test_the_images_start_commands_run_here(
    postgres_url: str, data_dir: Path, tmp_path: Path
) -> None:
    worker_steps, bot_steps = dockerfile("Dockerfile.worker"), dockerfile("Dockerfile.bot")
    worker_cmd = json.loads(instruction(worker_steps, "CMD")[0])
    worker_port = free_port()
    worker_cmd[worker_cmd.index("--host") + 1] = (
        "127.0.0.1"  # loopback here, 0.0.0.0 in a container
    )
    worker_cmd[worker_cmd.index("--port") + 1] = str(worker_port)
    worker_env = {**env_template("worker.env.example"), "MOODWAVE_DEVICE": "cpu"}
    worker_env["MOODWAVE_HOME"] = str(tmp_path / "worker")
    fake = FakeTelegram().start()
    services: list[Service] = []
    try:
        worker = Service("worker", worker_cmd[1:], worker_env, tmp_path)
        services.append(worker)

        services_ = compose()["services"]
        migrate = services_["migrate"]["command"]
        upgraded = subprocess.run(
            [MOODWAVE, *migrate[1:]],
            env=clean_env({"MOODWAVE_DATABASE_URL": postgres_url}),
            capture_output=True,
            timeout=120,
        )
        assert upgraded.returncode == 0, upgraded.stderr.decode()

        wait_healthy(f"http://127.0.0.1:{worker_port}/healthz", worker.process)
        moods = httpx.post(
            f"http://127.0.0.1:{worker_port}/v1/va",
            json={"texts": ["so happy today"]},
            headers={"Authorization": f"Bearer {worker_env['MOODWAVE_WORKER_TOKEN']}"},
            timeout=30,
        ).json()
        assert moods["moods"][0]["valence"] > 0

        web_port = free_port()
        bot_env = {
            **env_of(bot_steps),
            **env_template("bot.env.example"),
            **services_["bot"]["environment"],
        }
        bot_env.update(
            MOODWAVE_DATABASE_URL=postgres_url,
            MOODWAVE_TELEGRAM_TOKEN=fake.token,
            MOODWAVE_TELEGRAM_API_URL=fake.url,
            MOODWAVE_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{web_port}",
            MOODWAVE_TELEGRAM_WEBHOOK_SECRET="images-test-secret_1",  # the template's is refused
            MOODWAVE_WORKER_URL=f"http://127.0.0.1:{worker_port}",
            MOODWAVE_WEB_HOST="127.0.0.1",
            MOODWAVE_WEB_PORT=str(web_port),
            MOODWAVE_HOME=str(tmp_path / "bot"),
            MOODWAVE_DATA_DIR=str(data_dir),
        )
        bot_cmd = json.loads(instruction(bot_steps, "CMD")[0])
        bot = Service("bot", bot_cmd[1:], bot_env, tmp_path)
        services.append(bot)
        wait_healthy(f"http://127.0.0.1:{web_port}/healthz", bot.process)
        (hook,) = fake.requests("setWebhook")
        assert hook.params["url"] == f"http://127.0.0.1:{web_port}/telegram/webhook"
        user = fake.create_user("Dee")
        chat = fake.create_private_chat(user)
        fake.user_sends_text(user, chat, "happy and excited, what a day")
        (reply,) = fake.wait_for_messages(chat, 1, timeout=120)
        assert "You sound" in (reply.text or "")
        fake.assert_no_violations()
    except BaseException:
        for service in services:
            print(f"--- {service.name}\n{service.log_tail()}")
        raise
    finally:
        for service in services:
            service.stop()
        fake.stop()
