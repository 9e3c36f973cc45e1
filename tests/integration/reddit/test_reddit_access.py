"""Getting in and staying polite: OAuth tokens (cached, refreshed on expiry and on 401), the
anonymous fallback and the block page, 429s waited out, one budget per credential."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from kairos.exceptions import RedditUnavailable
from tests.fake_reddit import FakeReddit
from tests.integration.helpers import workspace_id
from tests.integration.reddit.conftest import USER_AGENT, Runner, progress_of


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    return sqlite_only


def test_calls_carry_a_token_raw_json_and_a_descriptive_user_agent(fake: FakeReddit, run: Runner) -> None:
    fake.corpus.add_posts("technology", 5, variety=False, comments=2)
    run(limit=5, download_media=False)
    run(limit=5, download_media=False)
    api = fake.api_requests()
    assert api and all(r.app == "app-id" and r.query.get("raw_json") == ["1"] for r in api)
    assert {r.user_agent for r in fake.requests} == {USER_AGENT}
    assert fake.grants == ["client_credentials"]  # cached across jobs of the process


def test_an_expired_or_revoked_token_is_replaced_and_the_call_goes_on(fake: FakeReddit, run: Runner) -> None:
    fake.corpus.add_posts("technology", 5, variety=False, comments=0)
    run(limit=5)
    fake.revoke_tokens()
    assert len(run(limit=5).items) == 5
    assert len(fake.grants) == 2
    unauthorized = [r for r in fake.api_requests() if r.app is None]
    assert len(unauthorized) == 1


def test_a_token_is_refreshed_before_it_expires(fake: FakeReddit, run: Runner) -> None:
    fake.token_ttl = 2.0
    fake.corpus.add_posts("technology", 5, variety=False, comments=0)
    run(limit=5)
    time.sleep(1.9)  # inside the refresh margin: a new token is asked for before the old one dies
    run(limit=5)
    assert len(fake.grants) == 2
    assert all(r.app is not None for r in fake.api_requests())


@pytest.mark.parametrize("grant", ["password", "refresh_token"])
def test_a_workspace_connection_uses_its_own_grant(fake: FakeReddit, run: Runner, store, ws: str,
                                                   grant: str) -> None:  # type: ignore[no-untyped-def]
    from kairos.domain.reddit import RedditConnection
    from kairos.timeutil import utcnow

    extra = ({"username": "scriptuser", "password": "hunter2"} if grant == "password"
             else {"refresh_token": "refresh-abc"})
    store.put_reddit_connection(RedditConnection(workspace_id=ws, client_id="app-id", client_secret="app-secret",
                                                 created_at=utcnow(), updated_at=utcnow(), **extra))
    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    assert len(run(limit=3).items) == 3
    assert fake.grants == [grant]


def test_wrong_credentials_fail_the_job_saying_what_to_check(fake: FakeReddit, run: Runner) -> None:
    fake.apps["app-id"] = "another-secret"
    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    with pytest.raises(RedditUnavailable, match="client_id and client_secret"):
        run(limit=3)


@pytest.mark.parametrize("answer", ["block", "html"])
def test_without_credentials_a_refusal_says_to_configure_them(fake: FakeReddit, run: Runner, answer: str) -> None:
    run.services = dataclasses.replace(run.services, settings=dataclasses.replace(run.services.settings,
                                                                                  instance=None))
    fake.anonymous = answer
    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    with pytest.raises(RedditUnavailable, match="PUT /connections/reddit") as raised:
        run(limit=3)
    assert "KAIROS_REDDIT_CLIENT_ID" in str(raised.value)
    fake.anonymous = "allow"
    outcome = run(limit=3)
    assert len(outcome.items) == 3 and not fake.api_requests()
    assert all(r.path.endswith(".json") for r in fake.requests if r.server == "www" and not r.path.startswith("/i"))


def test_429s_are_waited_out_with_or_without_retry_after(fake: FakeReddit, run: Runner) -> None:
    fake.window = 2.0
    fake.corpus.add_posts("technology", 4, variety=False, comments=2)
    fake.script_429("1", None)
    payload, ctx = run.context(limit=4, download_media=False)
    from kairos.kinds.reddit.run import run_reddit

    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(int(progress_of(ctx).get("waiting_seconds") or 0))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcome = run_reddit(payload, ctx, run.services)
    finally:
        done.set()
        watcher.join()
    assert len(outcome.items) == 4 and fake.throttled == 2
    assert outcome.result["waited_seconds"] >= 1.5
    assert max(seen) >= 1 and progress_of(ctx)["waiting_seconds"] == 0


def test_the_budget_is_spread_so_reddit_never_says_no(fake: FakeReddit, run: Runner) -> None:
    fake.budget, fake.window = 8, 2.0
    fake.corpus.add_posts("technology", 12, variety=False, comments=2)
    outcome = run(limit=12, download_media=False)
    assert outcome.result["requests"] == 13
    assert fake.over_budget == 0


def _connect(store, ws: str, client_id: str, secret: str, **extra: str) -> None:  # type: ignore[no-untyped-def]
    from kairos.domain.reddit import RedditConnection
    from kairos.timeutil import utcnow

    store.put_reddit_connection(RedditConnection(workspace_id=ws, client_id=client_id, client_secret=secret,
                                                 created_at=utcnow(), updated_at=utcnow(), **extra))


def test_a_token_is_never_shared_with_another_secret(fake: FakeReddit, run: Runner, store) -> None:  # type: ignore[no-untyped-def]

    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    user = {"username": "scriptuser", "password": "hunter2"}
    _connect(store, run.ws, "app-id", "app-secret", **user)
    assert len(run(limit=3).items) == 3
    # Same app id and user, a wrong secret: the token of the right one must not be handed over.
    other = Runner(store, run.services, workspace_id(store, "other"))
    _connect(store, other.ws, "app-id", "guessed-secret", **user)
    with pytest.raises(RedditUnavailable, match="client_id and client_secret"):
        other(limit=3)
    # A changed connection (PUT /connections/reddit) asks for a token of its own.
    fake.apps["app-id"] = "rotated-secret"
    _connect(store, run.ws, "app-id", "rotated-secret", **user)
    assert len(run(limit=3).items) == 3
    assert fake.grants == ["password", "password"]


def test_a_slow_token_request_does_not_hold_up_another_app(fake: FakeReddit, run: Runner, store) -> None:  # type: ignore[no-untyped-def]
    from kairos.kinds.reddit.run import run_reddit

    fake.corpus.add_posts("technology", 2, variety=False, comments=0)
    fake.apps["slow-app"] = "slow-secret"
    fake.token_delay["slow-app"] = 2.0
    slow = Runner(store, run.services, workspace_id(store, "slow"))
    _connect(store, slow.ws, "slow-app", "slow-secret")
    payload, ctx = slow.context(limit=2, download_media=False)
    thread = threading.Thread(target=run_reddit, args=(payload, ctx, slow.services))
    thread.start()
    try:
        time.sleep(0.3)  # the slow app's token request is under way
        began = time.monotonic()
        assert len(run(limit=2, download_media=False).items) == 2
        assert time.monotonic() - began < 1.5
    finally:
        thread.join()


def test_a_throttled_or_failing_token_endpoint_is_waited_out(fake: FakeReddit, run: Runner) -> None:
    fake.corpus.add_posts("technology", 3, variety=False, comments=0)
    fake.token_failures = [429, 503, "drop"]
    outcome = run(limit=3, download_media=False)
    assert len(outcome.items) == 3 and fake.grants == ["client_credentials"]
    assert not fake.token_failures
    assert outcome.result["waited_seconds"] >= 1  # Retry-After: 1, then the backoffs
