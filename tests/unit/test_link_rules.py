"""What a scheduler link may say: the URLs it names and how they are shown back."""

from __future__ import annotations

from typing import Any

import pytest

from kairos.domain.links import SchedulerLink, beat_owner, build_link, change_link, mask_url, masked_source
from kairos.exceptions import InvalidInput

from .factories import at

NOW = at("2026-03-02T10:00:00Z")


def link(**values: Any) -> SchedulerLink:
    body = {"name": "fleet", "type": "celery-beat", "source": {"kind": "json", "beat_schedule": {}}, **values}
    return build_link(body, link_id="link_1", workspace_id="ws_1", now=NOW)


def refused(**values: Any) -> list[tuple[str | int, ...]]:
    with pytest.raises(InvalidInput) as caught:
        link(**values)
    return [error.loc for error in caught.value.errors]


def django(url: str) -> dict[str, Any]:
    return {"kind": "django-celery-beat", "database_url": url}


@pytest.mark.parametrize("url", ["postgresql://db.example/beat", "postgresql+psycopg://db.example/beat",
                                 "postgres://db.example/beat", "sqlite:////srv/beat.db"])
def test_a_database_url_names_postgresql_or_sqlite(url: str) -> None:
    assert link(source=django(url)).source["database_url"] == url


@pytest.mark.parametrize("url", ["postgresql+nosuch://db.example/beat", "postgresql+pg8000://db.example/beat",
                                 "sqlite+pysqlcipher:////srv/beat.db", "mysql://db.example/beat"])
def test_a_database_url_with_another_scheme_or_driver_is_refused(url: str) -> None:
    assert refused(source=django(url)) == [("source", "database_url")]


@pytest.mark.parametrize("field, url", [("broker_url", "redis+socket:///run/redis.sock"),
                                        ("broker_url", "sqs://queue"), ("result_backend", "redis+socket:///x")])
def test_broker_and_backend_schemes_are_matched_whole(field: str, url: str) -> None:
    assert refused(**{field: url}) == [(field,)]


def test_a_beat_publisher_needs_a_broker() -> None:
    assert refused(publisher="beat") == [("broker_url",)]
    assert link(publisher="beat", broker_url="redis://redis.example/0").publisher == "beat"


@pytest.mark.parametrize("query, keys", [
    ("hostaddr=169.254.169.254", "hostaddr"), ("host=10.0.0.5", "host"), ("host=/var/run/postgresql", "host"),
    ("passfile=/root/.pgpass", "passfile"), ("sslkey=/etc/kairos/key.pem&sslmode=require", "sslkey"),
    ("service=internal", "service"), ("plugin=anything", "plugin"), ("HostAddr=10.0.0.1&host=x", "host, hostaddr"),
])
def test_a_database_url_may_not_name_another_host_or_a_local_file_in_its_query(query: str, keys: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        link(source=django(f"postgresql://db.example/beat?{query}"))
    [error] = caught.value.errors
    assert error.loc == ("source", "database_url") and error.msg.startswith(f"may not set {keys} ")


def test_harmless_query_parameters_stay() -> None:
    url = "postgresql://db.example/beat?sslmode=require&connect_timeout=5&application_name=kairos"
    assert link(source=django(url)).source["database_url"] == url


def test_a_broker_url_may_not_name_another_host_in_its_query() -> None:
    assert refused(broker_url="redis://?host=10.0.0.5") == [("broker_url",)]


@pytest.mark.parametrize("url, shown", [
    ("postgresql://beat:s3cret@db.example/beat", "postgresql://beat:****@db.example/beat"),
    ("postgresql://db.example/beat?user=beat&password=s3cret&sslmode=require",
     "postgresql://db.example/beat?user=beat&password=****&sslmode=require"),
    ("redis://:s3cret@redis.example:6380/0?Password=again", "redis://:****@redis.example:6380/0?Password=****"),
    ("redis://redis.example/0", "redis://redis.example/0"),
])
def test_a_shown_url_hides_its_passwords(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_a_masked_url_sent_back_keeps_the_stored_one() -> None:
    url = "postgresql://db.example/beat?password=s3cret"
    saved = link(source=django(url))
    shown = masked_source(saved.source)["database_url"]
    assert "s3cret" not in shown
    assert change_link(saved, {"source": {"database_url": shown}}, now=NOW).source["database_url"] == url


def test_an_apps_environment_is_shown_without_its_secrets_and_kept_when_sent_back() -> None:
    env = {"DJANGO_SETTINGS_MODULE": "proj.settings", "API_TOKEN": "t0ken",
           "BROKER": "redis://:s3cret@redis.example/0"}
    saved = link(source={"kind": "app", "app": "proj.celery:app", "env": env})
    shown = masked_source(saved.source)["env"]
    assert shown == {"DJANGO_SETTINGS_MODULE": "proj.settings", "API_TOKEN": "****",
                     "BROKER": "redis://:****@redis.example/0"}
    kept = change_link(saved, {"source": {"env": {**shown, "EXTRA": "1"}}}, now=NOW)
    assert kept.source["env"] == {**env, "EXTRA": "1"}
    assert refused(source={"kind": "app", "app": "proj.celery:app", "env": {"1BAD": "x"}}) == [("source", "env")]


def test_beats_whose_long_names_share_a_prefix_are_different_owners() -> None:
    link_id = "link_0192f3a0-7a10-7b20-8c30-4d5e6f708192"
    first, second = ("beat-" + "x" * 58 + end for end in "ab")
    owners = {beat_owner(link_id, first), beat_owner(link_id, second)}
    assert len(owners) == 2 and all(len(owner) <= 100 for owner in owners)
    assert all(owner.startswith(beat_owner(link_id, "")) for owner in owners)
    assert beat_owner(link_id, "beat-1") == f"beat:{link_id}:beat-1"
