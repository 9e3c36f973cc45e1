"""The options every client command shares, read once by the group and handed down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from kairos.cli_client.api import DEFAULT_URL, Api, Connection
from kairos.cli_client.output import Output

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the server's JSON instead of tables.")]


@dataclass(frozen=True)
class Session:
    api: Api
    out: Output


@dataclass(frozen=True)
class _Options:
    connection: Connection
    as_json: bool


def connect(
    ctx: typer.Context,
    url: Annotated[str, typer.Option("--url", envvar="KAIROS_URL",
                                     help="Server address.")] = DEFAULT_URL,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="KAIROS_API_KEY",
                                                help="API key (kr_…).", show_default=False)] = None,
    workspace: Annotated[str, typer.Option("--workspace", envvar="KAIROS_WORKSPACE",
                                           help="Workspace id or slug.")] = "default",
    as_json: JsonFlag = False,
) -> None:
    """Talk to a Kairos server over its HTTP API."""
    ctx.obj = _Options(Connection(url=url, api_key=api_key, workspace=workspace), as_json)


def session(ctx: typer.Context, as_json: bool = False) -> Session:
    """The API client and output for one command; `--json` may be given before or after it."""
    options = ctx.find_object(_Options) or _Options(Connection(), False)
    out = Output(as_json=as_json or options.as_json)
    return Session(api=Api(options.connection, out.err), out=out)


def group(name: str, help: str) -> typer.Typer:
    return typer.Typer(name=name, help=help, callback=connect, no_args_is_help=True)
