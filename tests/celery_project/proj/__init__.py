"""A real Celery project for the scheduler-link tests (a worker runs it with -E)."""
