"""The wiring in `bot.app` that is not covered through the conversation and adapter tests."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
import torch

from bot.app import configure_torch, settle_heap, voice_spec
from bot.settings import ConfigurationError, Settings


def test_one_torch_thread_by_default_for_threads_started_later() -> None:
    assert Settings.model_fields["torch_threads"].default == 1
    before = torch.get_num_threads()
    try:
        configure_torch(1)
        seen: list[int] = []

        def model_thread() -> None:  # as the batching thread, started after the wiring
            torch.ones(64, 64) @ torch.ones(64, 64)
            seen.append(torch.get_num_threads())

        thread = threading.Thread(target=model_thread)
        thread.start()
        thread.join()
        assert seen == [1]
    finally:
        torch.set_num_threads(before)


def test_zero_leaves_torch_default(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    configure_torch(0)
    assert calls == []


def test_settled_heap_is_out_of_the_collectors_sight() -> None:
    loaded = [{"song": i} for i in range(1000)]  # start-up state that lives as long as the process
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(gc.is_tracked(o) and o in gc.get_objects(2) for o in loaded[:3])
    finally:
        gc.unfreeze()


def test_a_fetched_voice_model_is_found_by_name_or_named_with_its_fetch(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, voice_model="whisper-base")
    with pytest.raises(ConfigurationError, match="moodwave models fetch whisper-base"):
        voice_spec(settings)
    folder = tmp_path / "models" / "whisper-base"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"weights")
    assert voice_spec(settings).model == str(folder)
    assert voice_spec(Settings(home=tmp_path)).model is None  # the bundled tiny.en
    assert voice_spec(Settings(home=tmp_path, voice_model="/srv/whisper")).model == "/srv/whisper"


def test_voice_languages_are_codes_or_left_to_the_text_model(tmp_path: Path) -> None:
    assert voice_spec(Settings(home=tmp_path)).languages is None
    chosen = Settings(home=tmp_path, voice_languages=" EN, es ,")
    assert voice_spec(chosen).languages == ("en", "es")


def test_the_voice_fallback_beside_a_worker_takes_only_what_this_process_reads(
    tmp_path: Path,
) -> None:
    """With a worker, notes are analysed here only while it is down, and their transcripts read by
    this process's own model: an English-only one must refuse other languages by name."""
    worker = "http://127.0.0.1:9"
    english = Settings(home=tmp_path, worker_url=worker, multilingual="off")
    assert voice_spec(english).languages == ("en",)
    assert (
        voice_spec(Settings(home=tmp_path, worker_url=worker, multilingual="on")).languages is None
    )
    named = Settings(home=tmp_path, worker_url=worker, multilingual="off", voice_languages="en,de")
    assert voice_spec(named).languages == ("en", "de")
