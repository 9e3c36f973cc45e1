"""Drive django-celery-beat through Django itself: `setup` (migrate, then seed entries), `dump` what it holds.

Run as `python djbeat.py <command>` with KAIROS_TEST_DJANGO_DB naming the SQLite file, so the
tests see the tables exactly as Django makes and reads them.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsettings")
sys.path.insert(0, os.path.dirname(__file__))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django_celery_beat.models import (  # noqa: E402
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)


def seed() -> None:
    cron = CrontabSchedule.objects.create(minute="0", hour="9", day_of_week="1-5", timezone="Europe/Berlin")
    every = IntervalSchedule.objects.create(every=30, period=IntervalSchedule.SECONDS)
    sunset = SolarSchedule.objects.create(event="sunset", latitude=52.52, longitude=13.4)
    PeriodicTask.objects.create(name="email.daily-digest", task="proj.tasks.add", crontab=cron,
                                args=json.dumps([2, 3]))
    PeriodicTask.objects.create(name="cache.warm", task="proj.tasks.add", interval=every,
                                args=json.dumps([1, 1]), queue="celery")
    PeriodicTask.objects.create(name="lights.on", task="proj.tasks.add", solar=sunset)


def dump() -> None:
    tasks = {}
    for task in PeriodicTask.objects.all():
        schedule = task.schedule  # as the beat sees it: Django's own models decide
        tasks[task.name] = {"task": task.task, "args": json.loads(task.args), "enabled": task.enabled,
                            "kind": type(schedule).__name__, "schedule": " ".join(str(schedule).split()),
                            "kwargs": json.loads(task.kwargs)}
    print(json.dumps({"tasks": tasks, "last_update": str(PeriodicTasks.last_change())}))


def load() -> None:
    """How long django-celery-beat's own DatabaseScheduler takes to load every entry (the bench's peer)."""
    import time

    from celery import Celery
    from django_celery_beat.schedulers import DatabaseScheduler

    app = Celery("bench", set_as_current=False)
    started = time.perf_counter()
    scheduler = DatabaseScheduler(app=app, lazy=True)
    entries = scheduler.all_as_schedule()
    print(json.dumps({"entries": len(entries), "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        call_command("migrate", "django_celery_beat", verbosity=0)
        seed()
    elif command == "dump":
        dump()
    elif command == "load":
        load()
