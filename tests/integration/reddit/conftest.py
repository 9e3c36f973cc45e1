"""A fake Reddit on loopback, and reddit jobs run against it on each real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kairos.api.app import create_app
from kairos.api.auth import bootstrap
from kairos.domain.jobs import Job, JobStatus
from kairos.domain.payloads import FieldErrors
from kairos.ids import new_id
from kairos.kinds.context import TaskContext
from kairos.kinds.reddit.auth import TokenCache
from kairos.kinds.reddit.config import Credentials, RedditSettings
from kairos.kinds.reddit.fields import reddit_payload
from kairos.kinds.reddit.run import RedditOutcome, RedditServices, run_reddit
from kairos.outbound import make_client
from kairos.runtime import Runtime
from kairos.settings import Settings
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow
from tests.conftest import REQUIRE_SERVICES, migrated_database
from tests.fake_reddit import FakeReddit
from tests.fake_reddit.media import make_tracks
from tests.integration.conftest import ADMIN_KEY
from tests.integration.helpers import make_schedule, workspace_id

USER_AGENT = "test:kairos-reddit-tests:1.0 (by /u/kairos_tests)"


@pytest.fixture
def sqlite_only(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """For tests of the kind's own logic (HTTP, trees, media): the store's part is proven on both
    databases by the mode, corpus and end-to-end tests, so these run on SQLite alone."""
    yield from migrated_database("sqlite", request, tmp_path_factory)


@pytest.fixture(scope="session")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """DASH video and audio tracks, made now with imageio-ffmpeg's ffmpeg."""
    try:
        return make_tracks(tmp_path_factory.mktemp("tracks"))
    except (ImportError, RuntimeError, OSError) as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"ffmpeg (imageio-ffmpeg) is required: {exc}")
        pytest.skip(f"no ffmpeg: {exc}")


@pytest.fixture
def fake(tracks: dict[str, bytes]) -> Iterator[FakeReddit]:
    server = FakeReddit(tracks=tracks).start()
    yield server
    server.stop()


def reddit_settings(fake: FakeReddit, media_dir: Path, *, instance: bool = True, ffmpeg: str = "") -> RedditSettings:
    return RedditSettings(base_url=fake.base_url, oauth_url=fake.oauth_url, user_agent=USER_AGENT,
                          instance=Credentials(client_id="app-id", client_secret="app-secret") if instance else None,
                          media_dir=media_dir, ffmpeg=ffmpeg, media_max_bytes=50 * 1024 * 1024,
                          image_max_bytes=50 * 1024 * 1024)


@pytest.fixture
def services(store: SqlStore, fake: FakeReddit, tmp_path: Path) -> RedditServices:
    return RedditServices(store=store, settings=reddit_settings(fake, tmp_path / "media"),
                          http_client=partial(make_client, allow_private_networks=True), tokens=TokenCache())


@pytest.fixture
def reddit_api(store: SqlStore, tmp_path: Path) -> Iterator[TestClient]:
    """The API on the same store, with the data dir the media were stored under."""
    bootstrap(store, utcnow(), ADMIN_KEY)
    runtime = Runtime.build(Settings(min_interval_seconds=60, data_dir=tmp_path), store, frozenset({"api"}))
    with TestClient(create_app(runtime, start_loops=False), base_url="http://testserver/api/v1/workspaces/default",
                    headers={"X-API-Key": ADMIN_KEY}) as client:
        yield client


@pytest.fixture
def services_root(services: RedditServices) -> Path:
    return services.settings.media_dir


@pytest.fixture
def ws(store: SqlStore) -> str:
    return workspace_id(store)


@pytest.fixture
def schedule_id(store: SqlStore, ws: str) -> str:
    """A schedule row for cursors to belong to (its own kind does not matter to the run)."""
    schedule = make_schedule(ws, utcnow(), interval_seconds=3600)
    store.add_schedules([schedule])
    return schedule.id


class Runner:
    """Makes a job row and runs the reddit kind on it, as the worker would."""

    def __init__(self, store: SqlStore, services: RedditServices, ws: str) -> None:
        self.store, self.services, self.ws = store, services, ws
        self.last_ctx: TaskContext | None = None

    def context(self, schedule_id: str | None = None, **fields: Any) -> tuple[dict[str, Any], TaskContext]:
        errors = FieldErrors()
        payload = reddit_payload({"target": "technology", **fields}, errors, default_mode="full")
        errors.raise_if_any()
        now = utcnow()
        job = Job(id=new_id("job"), workspace_id=self.ws, schedule_id=schedule_id, kind="reddit", payload=payload,
                  status=JobStatus.RUNNING, run_after=now, created_at=now)
        self.store.add_job(job)
        ctx = TaskContext(job_id=job.id, workspace_id=self.ws, schedule_id=schedule_id, attempt=1, scheduled_for=None)
        self.last_ctx = ctx
        return payload, ctx

    def __call__(self, schedule_id: str | None = None, **fields: Any) -> RedditOutcome:
        payload, ctx = self.context(schedule_id, **fields)
        return run_reddit(payload, ctx, self.services)

    def in_background(self, payload: dict[str, Any], ctx: TaskContext) -> Background:
        """Run the job in a thread of its own, as a worker does, to cancel it from the test."""
        return Background(lambda: run_reddit(payload, ctx, self.services))


class Background:
    """A call running in a thread; what it raised is kept in `raised`."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.raised: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            call()
        except BaseException as exc:
            self.raised.append(exc)

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)


@pytest.fixture
def run(store: SqlStore, services: RedditServices, ws: str) -> Runner:
    return Runner(store, services, ws)


def progress_of(ctx: TaskContext) -> dict[str, Any]:
    """The progress a job has reported so far, as the worker would save it next."""
    with ctx._lock:
        return dict(ctx._progress)


def media_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts]


def ffprobe_streams(path: Path) -> str:
    """What ffmpeg says a file holds (its stream lines)."""
    import subprocess

    import imageio_ffmpeg

    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True, check=False)
    return "\n".join(line for line in result.stderr.splitlines() if "Stream #" in line)



ROOT = Path(__file__).resolve().parents[3]


def start_job_process(run: Runner, fake: FakeReddit, database_url: str, tmp_path: Path, schedule_id: str | None,
                      **fields: Any) -> subprocess.Popen[str]:
    """A reddit job run by a process of its own (tests/fake_reddit/run_job.py) on `database_url`."""
    payload, ctx = run.context(schedule_id, **fields)
    spec = {"database_url": database_url, "base_url": fake.base_url, "oauth_url": fake.oauth_url,
            "media_dir": str(tmp_path / "media"), "job_id": ctx.job_id, "workspace_id": ctx.workspace_id,
            "schedule_id": schedule_id, "payload": payload}
    return subprocess.Popen([sys.executable, "-m", "tests.fake_reddit.run_job", json.dumps(spec)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # The child imports the same kairos as the tests (a PYTHONPATH=src run too).
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))})
