"""Kairos: a self-hosted service that runs work on a schedule and keeps the record of every run."""

__version__ = "0.1.0"
