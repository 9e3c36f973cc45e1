"""The test project's Celery app: crontab, timedelta and solar entries, as a team would write them.

`KAIROS_TEST_BROKER` names the broker (a Redis db of the tests' own), `KAIROS_TEST_BACKEND` the result
backend if any; `KAIROS_TEST_BEAT_VARIANT`
set to `changed` is the same app after a deploy that moved one entry and dropped another.
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab, solar

app = Celery("proj", broker=os.environ.get("KAIROS_TEST_BROKER", "redis://127.0.0.1:6379/11"),
             backend=os.environ.get("KAIROS_TEST_BACKEND") or None, include=["proj.tasks"])
app.conf.update(timezone="Europe/Berlin", task_serializer="json", accept_content=["json"],
                worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)

# When a test runs this app's beat with KairosScheduler, Kairos is where its schedules are.
if os.environ.get("KAIROS_TEST_KAIROS_URL"):
    app.conf.update(kairos_url=os.environ["KAIROS_TEST_KAIROS_URL"],
                    kairos_api_key=os.environ["KAIROS_TEST_KAIROS_KEY"],
                    kairos_workspace="default", kairos_beat_name=os.environ.get("KAIROS_TEST_BEAT_NAME"),
                    kairos_lease_seconds=10)

app.conf.beat_schedule = {
    "email.daily-digest": {"task": "proj.tasks.add", "schedule": crontab(minute=0, hour=9, day_of_week="mon-fri"),
                           "args": (2, 3)},
    "cache.warm": {"task": "proj.tasks.add", "schedule": timedelta(seconds=30), "args": (1, 1),
                   "options": {"queue": "celery"}},
    "lights.on": {"task": "proj.tasks.add", "schedule": solar("sunset", 52.52, 13.4), "args": (0, 0)},
}
# What the app's import sees of its environment (names only), when a test asks.
if os.environ.get("KAIROS_TEST_SHOW_ENV"):
    app.conf.beat_schedule["env.seen"] = {"task": "proj.tasks.add", "schedule": 60, "args": sorted(os.environ)}
if os.environ.get("KAIROS_TEST_BEAT_VARIANT") == "changed":
    app.conf.beat_schedule["cache.warm"]["schedule"] = timedelta(minutes=5)
    del app.conf.beat_schedule["lights.on"]
