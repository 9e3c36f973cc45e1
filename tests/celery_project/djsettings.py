"""Django settings for making django-celery-beat's tables from its own migrations (tests only)."""

import os

SECRET_KEY = "tests-only"
INSTALLED_APPS = ["django_celery_beat"]
USE_TZ = True
TIME_ZONE = "UTC"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["KAIROS_TEST_DJANGO_DB"],
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
