"""The dashboard in headless Chromium, against one real `kairos serve` for the whole session.

One server, one browser and two long-lived pages (a 1280x800 desktop signed in by password, a
390x844 phone signed in by API key) are shared by every test, so the suite pays for start-ups once.
Each test starts from a hash route on those pages; a test that needs a clean browser (sign-in)
opens its own context, which costs milliseconds. Every console error, page error and 5xx answer on
any page fails the test that was running; `Tab.check` runs axe-core and keeps a screenshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.acceptance.conftest import API_KEY, KairosProcess
from tests.browser.tab import ARTIFACTS, DESKTOP, PHONE, Tab
from tests.conftest import REQUIRE_SERVICES
from tests.fake_reddit import FakeReddit
from tests.local_site import LocalSite

from kairos.api.passwords import hash_password
from kairos.ids import new_id
from kairos.store.access import User
from kairos.store.sqlalchemy.store import SqlStore
from kairos.timeutil import utcnow

CHROMIUM = Path("/usr/bin/chromium")
# No GPU, no sandbox (root in a container), and nothing that reaches out to the network on its own.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium is required (KAIROS_REQUIRE_SERVICES=1) but {CHROMIUM} is missing; "
                        "`make test` installs it (scripts/ensure-chromium.sh)")
        pytest.skip(f"Chromium is not installed ({CHROMIUM}); `make test` installs it")
    return CHROMIUM


@pytest.fixture(scope="session")
def site() -> Iterator[LocalSite]:
    """Pages to scrape and webhooks to receive, on 127.0.0.1."""
    with LocalSite() as local:
        yield local


@pytest.fixture(scope="session")
def fake_reddit() -> Iterator[FakeReddit]:
    """Reddit's www and oauth hosts on 127.0.0.1, for the reddit jobs the pages show."""
    fake = FakeReddit().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory,
           fake_reddit: FakeReddit) -> Iterator[KairosProcess]:
    """`kairos serve` (API, scheduler and worker) on SQLite, with a person who signs in by password."""
    process = KairosProcess(data_dir=tmp_path_factory.mktemp("kairos-browser"), env_extra={
        "KAIROS_ALLOW_PRIVATE_NETWORKS": "true",
        "KAIROS_REDDIT_BASE_URL": fake_reddit.base_url, "KAIROS_REDDIT_OAUTH_URL": fake_reddit.oauth_url,
        "KAIROS_REDDIT_CLIENT_ID": "app-id", "KAIROS_REDDIT_CLIENT_SECRET": "app-secret",
    })
    # A loaded machine may take a while to import and migrate; the browser tests wait longer than most.
    process.start(wait=False)
    process.wait_ready(timeout=120)
    add_account(process, EMAIL, PASSWORD, role="admin")
    yield process
    process.stop()


def add_account(server: KairosProcess, email: str, password: str, *, role: str | None = None) -> None:
    """An account, a member of `default` when `role` is given, written straight to the server's
    database (as `kairos users create` does), which saves starting a second Python process."""
    store = SqlStore(f"sqlite:///{server.data_dir / 'kairos.db'}")
    try:
        user = User(id=new_id("usr"), email=email, created_at=utcnow())
        store.add_user(user, hash_password(password))
        if role:
            store.add_member(store.get_workspace("default").id, user.id, role, utcnow())
    finally:
        store.close()


@pytest.fixture(scope="session")
def api(server: KairosProcess) -> Iterator[httpx.Client]:
    """The API as the bootstrap admin key, to set the stage and to check what the pages did."""
    with server.client() as client:
        yield client


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS, headless=True)
        yield launched
        launched.close()


def open_tab(browser: Any, server: KairosProcess, name: str, viewport: dict[str, int], **options: Any) -> Tab:
    context = browser.new_context(viewport=viewport, timezone_id="Europe/Berlin", locale="en-GB",
                                  **options)
    return Tab(name, context.new_page(), server.base_url)


@pytest.fixture(scope="session")
def desktop(browser: Any, server: KairosProcess) -> Iterator[Tab]:
    """1280x800, signed in by email and password as an admin."""
    tab = open_tab(browser, server, "desktop", DESKTOP)
    tab.sign_in_with_password(EMAIL, PASSWORD)
    yield tab
    tab.page.context.close()


@pytest.fixture(scope="session")
def phone(browser: Any, server: KairosProcess) -> Iterator[Tab]:
    """390x844 with touch, signed in with the bootstrap admin API key."""
    tab = open_tab(browser, server, "phone", PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    tab.sign_in_with_key(API_KEY)
    yield tab
    tab.page.context.close()


@pytest.fixture
def fresh(browser: Any, server: KairosProcess) -> Iterator[Tab]:
    """A new desktop context, signed out, closed after the test."""
    tab = open_tab(browser, server, "fresh", DESKTOP)
    yield tab
    tab.assert_clean()
    tab.page.context.close()


@pytest.fixture(autouse=True)
def _no_script_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever shared page a test used must have logged no error while it ran."""
    yield
    for name in ("desktop", "phone"):
        if name in request.fixturenames:
            request.getfixturevalue(name).assert_clean()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session: pytest.Session) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
