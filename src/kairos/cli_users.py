"""`kairos users …`: accounts on the database directly (create, list, set a password).

These commands open the database the server uses (KAIROS_DATABASE_URL / KAIROS_DATA_DIR), so
the first admin can be made before anyone can sign in. Passwords are read from stdin or a hidden
prompt, never from an argument (which `ps` and shell history would show), and never printed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kairos.store.base import Store

app = typer.Typer(help="People who sign in to the dashboard: create, list, set passwords.",
                  no_args_is_help=True)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _open_store() -> Store:
    from kairos.runtime import open_store
    from kairos.settings import Settings

    return open_store(Settings())


def _read_password(from_stdin: bool) -> str:
    from kairos.api.passwords import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        err.print(f"[red]The password {problem}.[/]")
        raise typer.Exit(2)
    return password


@app.command()
def create(
    email: Annotated[str, typer.Option(help="The person's email (their sign-in name)")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin")] = False,
    workspace: Annotated[str | None, typer.Option(help="Add them to this workspace (slug or id)")] = None,
    role: Annotated[str, typer.Option(help="Their role there: viewer, operator or admin")] = "admin",
) -> None:
    """Create an account, and optionally make it a member of a workspace."""
    from kairos.api.auth import ROLES
    from kairos.api.passwords import hash_password
    from kairos.api.schemas.access import EMAIL
    from kairos.exceptions import Conflict, WorkspaceNotFound
    from kairos.ids import new_id
    from kairos.store.access import User
    from kairos.timeutil import utcnow

    email = email.strip().lower()
    if not EMAIL.match(email):
        err.print(f"[red]{email!r} is not an email address.[/]")
        raise typer.Exit(2)
    if role not in ROLES:
        err.print(f"[red]--role must be one of {', '.join(ROLES)}.[/]")
        raise typer.Exit(2)
    password = _read_password(password_stdin)
    store = _open_store()
    try:
        now = utcnow()
        target = None
        if workspace is not None:
            try:
                # `default` is made on first start; making it here lets the admin come first.
                target = (store.ensure_workspace("default", "Default", now) if workspace == "default"
                          else store.get_workspace(workspace))
            except WorkspaceNotFound:
                err.print(f"[red]No workspace {workspace!r}.[/]")
                raise typer.Exit(1) from None
        user = User(id=new_id("usr"), email=email, created_at=now)
        try:
            store.add_user(user, hash_password(password))
        except Conflict as exc:
            err.print(f"[red]{exc.detail}.[/]")
            raise typer.Exit(1) from None
        out.print(f"created {user.id} {email}")
        if target is not None:
            store.add_member(target.id, user.id, role, now)
            out.print(f"{email} is {role} of workspace {target.slug}")
    finally:
        store.close()


@app.command("list")
def list_users() -> None:
    """Every account, with its workspaces and roles."""
    store = _open_store()
    try:
        for user in store.list_users():
            places = ", ".join(f"{ws.slug}:{role}" for ws, role in store.workspaces_of_user(user.id))
            out.print(f"{user.id}  {user.email}  {places or '-'}")
    finally:
        store.close()


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(help="The account's email")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin")] = False,
) -> None:
    """Reset an account's password; its open sessions are signed out."""
    from kairos.api.passwords import hash_password

    password = _read_password(password_stdin)
    store = _open_store()
    try:
        found = store.find_user(email)
        if found is None:
            err.print(f"[red]No account with the email {email!r}.[/]")
            raise typer.Exit(1)
        user, _ = found
        store.set_password_hash(user.id, hash_password(password))
        ended = store.delete_sessions_of_user(user.id)
        out.print(f"password of {user.email} changed; {ended} session(s) signed out")
    finally:
        store.close()
