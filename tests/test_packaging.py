"""What `pip install` gives: the optional parts fail with a message that names their extra, the lock
files cover every requirement of pyproject.toml with exact versions and hashes, and the built wheel,
installed alone with its locked dependencies into a fresh virtual environment, reads a mood."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.cli import main
from nlp.factory import VoiceSpec, build_voice_analyzer
from nlp.lexicon import LexiconEstimator
from recommender.audio_source import load_audio_folder
from storage.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]
# What requirements.lock serves: the default install and the parts the images use.
RUNTIME_EXTRAS = ("postgres", "voice", "multilingual")


def missing(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `import module` fail as it does where the package is not installed."""
    for module in modules:
        for name in [m for m in sys.modules if m == module or m.startswith(f"{module}.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, module, None)


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    missing(monkeypatch, "psycopg")
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'moodwave[postgres]'")):
        make_engine("postgresql+psycopg://moodwave@127.0.0.1:5432/moodwave")
    make_engine("sqlite://")  # the default needs no driver


def test_voice_without_its_libraries_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    missing(monkeypatch, "faster_whisper")
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'moodwave[voice]'")):
        build_voice_analyzer(LexiconEstimator({}), VoiceSpec(None, "cpu", None))


def test_song_audio_without_its_libraries_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "song.wav").write_bytes(b"RIFF")
    missing(monkeypatch, "librosa")
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'moodwave[voice]'")):
        load_audio_folder(tmp_path)


def test_research_export_without_pyarrow_says_which_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOODWAVE_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    missing(monkeypatch, "pyarrow")
    assert main(["export", "--out", str(tmp_path / "out")]) == 2
    assert "pip install 'moodwave[research]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_dev_extra_brings_every_other_part() -> None:
    (self_reference,) = [r for r in map(Requirement, EXTRAS["dev"]) if r.name == PROJECT["name"]]
    assert self_reference.extras == set(EXTRAS) - {"dev"}


def pins(lock: Path) -> dict[str, str]:
    """{package: version} of a lock file, each checked to carry at least one sha256."""
    text = lock.read_text()
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{lock.name}: {match.group(1)} has no hash"
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def requirements(*extras: str) -> list[Requirement]:
    wanted = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in EXTRAS[extra] if Requirement(r).name != PROJECT["name"]]
    return wanted


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements.lock", RUNTIME_EXTRAS), ("requirements-dev.lock", tuple(EXTRAS))],
)
def test_the_locks_pin_every_requirement_within_its_range(lock: str, extras: tuple[str]) -> None:
    """A requirement added to pyproject.toml without `make lock` fails here (and `pip check` fails
    in `make install`). torch alone is installed apart (TORCH_SPEC, the images' torch step)."""
    pinned = pins(ROOT / lock)
    # torch is installed apart, and the locks follow its CPU build: no CUDA wheels in them.
    assert not [name for name in pinned if name in ("torch", "triton") or name.startswith("nvidia")]
    for requirement in requirements(*extras):
        name = canonicalize_name(requirement.name)
        if name == "torch":
            continue
        assert name in pinned, f"{lock} lacks {requirement}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}: run `make lock`"
        )


def test_the_locks_agree_on_every_shared_package() -> None:
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    assert set(runtime) <= set(dev)
    assert {name: dev[name] for name in runtime} == runtime


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def run(command: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=900, **kwargs
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
@pytest.mark.timeout(2400)  # about 3 minutes on a quiet machine; 6 on a busy one
def test_the_wheel_alone_with_its_locked_dependencies_reads_a_mood(tmp_path: Path) -> None:
    """`pip install .` as the images run it: the wheel carries the mood model, and a fresh virtual
    environment (no access to this one's packages) holding torch, requirements.lock and the wheel,
    nothing else, answers `moodwave analyze`. pip's cache keeps the downloads between runs."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", "tests"
        ),
    )
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp_path / "dist", source])
    (wheel,) = (tmp_path / "dist").glob("moodwave-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv_python(venv)
    torch_spec = os.environ.get("TORCH_SPEC", "torch==2.13.0").split()
    run([python, "-m", "pip", "install", "--quiet", *torch_spec])  # pip: the machine's torch build
    # The lock's hundred packages, each checked against its sha256 and none resolved, as `make
    # install` does with pip; uv (a dev tool) does the same in a tenth of the time.
    uv = Path(sys.executable).parent / "uv"
    lock = ROOT / "requirements.lock"
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            "--require-hashes",
            "--no-deps",
            "-r",
            lock,
        ]
    )
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel])
    run([python, "-m", "pip", "check"])

    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "MOODWAVE_HOME": str(home / "moodwave"),
        "HF_HUB_OFFLINE": "1",
    }
    answer = run([venv / "bin" / "moodwave", "analyze", "I feel great today"], env=env, cwd=home)
    mood = json.loads(answer.stdout.strip().splitlines()[-1])
    assert mood["valence"] > 0.2, mood
    assert mood["model_version"].startswith("minilm-lora-va-"), mood  # the model, not a fallback
    shipped = run(
        [python, "-c", "import nlp.text_model as m; print(m.WEIGHTS_DIR)"], env=env, cwd=home
    )
    assert str(venv) in shipped.stdout  # read from the installed wheel, not a checkout
