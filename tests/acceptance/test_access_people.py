"""Sharing one Kairos: `kairos users create`, sign-in over HTTP, CSRF, keys and the audit log."""

from __future__ import annotations

import subprocess

import httpx

from tests.acceptance.conftest import API_KEY, KAIROS, KairosProcess

PASSWORD = "a long enough passphrase"


def users(process: KairosProcess, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`kairos users ARGS…` on the same database as `process`."""
    return subprocess.run([KAIROS, "users", *args], env=process.env(), input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_a_person_made_on_the_command_line_signs_in_and_works(kairos: KairosProcess) -> None:
    made = users(kairos, "create", "--email", "Owner@Example.com", "--password-stdin",
                 "--workspace", "default", "--role", "admin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert PASSWORD not in made.stdout + made.stderr
    listed = users(kairos, "list")
    assert "owner@example.com" in listed.stdout and "default:admin" in listed.stdout
    again = users(kairos, "create", "--email", "owner@example.com", "--password-stdin", stdin=PASSWORD)
    assert again.returncode == 1

    with httpx.Client(base_url=kairos.base_url, timeout=10) as browser:
        login = browser.post("/api/v1/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
        assert login.status_code == 200, login.text
        assert "httponly" in login.headers["set-cookie"].lower()
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        base = "/api/v1/workspaces/default"
        schedule = {"task": "kairos.echo", "cron_expression": "0 * * * *"}
        assert browser.post(f"{base}/schedules", json=schedule).status_code == 403
        assert browser.post(f"{base}/schedules", json=schedule, headers=csrf).status_code == 201

        key = browser.post(f"{base}/api-keys", json={"name": "robot", "role": "viewer"}, headers=csrf).json()
        with httpx.Client(base_url=kairos.api, headers={"X-API-Key": key["secret"]}, timeout=10) as robot:
            assert robot.get("/schedules").json()["total"] == 1
            assert robot.post("/schedules", json=schedule).status_code == 403
            assert browser.delete(f"{base}/api-keys/{key['id']}", headers=csrf).status_code == 200
            assert robot.get("/schedules").status_code == 401

        with kairos.client() as bootstrap:  # the bootstrap key is an ordinary admin key of `default`
            entries = bootstrap.get("/audit-log").json()["items"]
            names = [k["name"] for k in bootstrap.get("/api-keys").json()["items"]]
        assert [e["action"] for e in entries] == ["api_key.revoke", "api_key.create", "schedule.create"]
        assert {e["actor"]["label"] for e in entries} == {"owner@example.com"}
        assert {e["ip"] for e in entries} == {"127.0.0.1"}
        assert "bootstrap" in names

        assert browser.post("/api/v1/auth/logout", headers=csrf).status_code == 204
        assert browser.get("/api/v1/auth/session").status_code == 401

    changed = users(kairos, "set-password", "--email", "owner@example.com", "--password-stdin",
                    stdin="another long passphrase\n")
    assert changed.returncode == 0, changed.stderr
    with httpx.Client(base_url=kairos.base_url, timeout=10) as browser:
        assert browser.post("/api/v1/auth/login", json={"email": "owner@example.com",
                                                        "password": PASSWORD}).status_code == 401


def test_bad_keys_from_one_address_are_throttled(kairos_factory: object) -> None:
    process: KairosProcess = kairos_factory(env_extra={"KAIROS_AUTH_IP_FAILURE_LIMIT": "3"})  # type: ignore[operator]
    process.start()
    with httpx.Client(base_url=process.api, timeout=10) as client:
        for n in range(3):
            assert client.get("/schedules", headers={"X-API-Key": f"kr_guess_{n}"}).status_code == 401
        locked = client.get("/schedules", headers={"X-API-Key": "kr_guess_3"})
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 0
        # The lock holds up guesses, not the valid key of a program at the same address.
        assert client.get("/schedules", headers={"X-API-Key": API_KEY}).status_code == 200
