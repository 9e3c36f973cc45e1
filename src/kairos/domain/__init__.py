"""Schedules, jobs, fires and triggers: frozen dataclasses and pure functions, no I/O."""
