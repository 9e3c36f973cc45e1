"""`kairos schedules …`, `kairos jobs …` and `kairos links …`: the API from the terminal.

The commands live in `kairos.cli_client`; this module only hangs them on the `kairos` app.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from kairos.cli_client import jobs, links, schedules

    app.add_typer(schedules.app, name="schedules")
    app.add_typer(jobs.app, name="jobs")
    app.add_typer(links.app, name="links")
