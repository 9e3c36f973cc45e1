"""`kairos schedules …` and `kairos jobs …`: the API from the terminal."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
