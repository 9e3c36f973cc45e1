"""The built-in `kairos.http_request` task follows redirects hop by hop, through the guard."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import httpx
import pytest

from kairos.kinds.context import TaskContext
from kairos.kinds.task.builtin import http_request
from kairos.outbound import is_refused, make_client
from tests.local_site import Answer, LocalSite, html


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def ctx(*, allow_private_networks: bool) -> TaskContext:
    return TaskContext(job_id="job_t", workspace_id="ws_t", schedule_id=None, attempt=1, scheduled_for=None,
                       http_client=partial(make_client, allow_private_networks=allow_private_networks))


def test_a_redirect_is_followed_to_its_end(site: LocalSite) -> None:
    site.route("/old", Answer(status=301, headers={"Location": "/new"}))
    site.route("/new", html("moved here"))
    answer = http_request(ctx(allow_private_networks=True), site.url("/old"))
    assert answer["status_code"] == 200 and answer["body"] == "moved here"
    assert site.hits == {"/old": 1, "/new": 1}


def test_a_loopback_target_is_refused_without_the_switch(site: LocalSite) -> None:
    site.route("/", html("inside"))
    with pytest.raises(httpx.ConnectError) as refused:
        http_request(ctx(allow_private_networks=False), site.url("/"))
    assert is_refused(refused.value)
    assert site.hits == {}
