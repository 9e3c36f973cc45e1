"""Our Standard Webhooks signatures, checked by the `standardwebhooks` package itself."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from kairos.delivery.signing import signed_headers
from kairos.domain.webhooks import new_secret, secret_key

BODY = b'{"event":"job.completed","job_id":"job_1","results":["caf\xc3\xa9"]}'


def test_the_package_verifies_what_we_sign() -> None:
    secret = new_secret()
    headers = signed_headers(secret, "dlv_1", datetime.now(UTC), BODY)
    assert Webhook(secret).verify(BODY, headers)["job_id"] == "job_1"
    assert headers["webhook-id"] == "dlv_1" and headers["webhook-signature"].startswith("v1,")
    assert headers["X-Webhook-Secret"] == secret


def test_another_secret_a_changed_body_or_id_fail() -> None:
    secret = new_secret()
    headers = signed_headers(secret, "dlv_1", datetime.now(UTC), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"job_1", b"job_2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "dlv_2"})


def test_the_timestamp_is_per_attempt() -> None:
    secret = new_secret()
    now = datetime.now(UTC)
    first = signed_headers(secret, "dlv_1", now - timedelta(seconds=30), BODY)
    second = signed_headers(secret, "dlv_1", now, BODY)
    assert int(second["webhook-timestamp"]) - int(first["webhook-timestamp"]) == 30
    assert first["webhook-signature"] != second["webhook-signature"]
    for headers in (first, second):
        Webhook(secret).verify(BODY, headers)


def test_a_stale_timestamp_is_refused_by_receivers() -> None:
    secret = new_secret()
    headers = signed_headers(secret, "dlv_1", datetime.now(UTC) - timedelta(hours=1), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


def test_new_secrets_are_whsec_and_base64_of_random_bytes() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24


@pytest.mark.parametrize("bad", ["short-secret", "x" * 257, "caf\u00e9-au-lait-secret!", " padded secret value ",
                                 "line\nbreak-in-the-secret", "whsec_", "whsec_***",
                                 "whsec_c2hvcnQ=", "whsec_" + "A" * 200])
def test_secrets_that_are_neither_whsec_base64_nor_a_plain_chosen_one_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        secret_key(bad)


def test_an_unpadded_secret_from_another_system_is_accepted() -> None:
    assert len(secret_key("whsec_" + base64.b64encode(b"k" * 32).decode().rstrip("="))) == 32


def test_a_chosen_secret_signs_standard_webhooks_with_its_bytes_and_rides_in_x_webhook_secret() -> None:
    secret = "my-shared-secret-for-meter"
    headers = signed_headers(secret, "msg_1", datetime.now(UTC), BODY)
    assert headers["X-Webhook-Secret"] == secret
    assert Webhook(secret.encode()).verify(BODY, headers) is not None
