"""``mimeo accounts`` (administrators manage accounts) and ``mimeo tokens`` (anyone, their own),
over the server's ``/v1/admin/accounts`` and ``/v1/tokens``.

A new token is printed alone on standard output (or as JSON with ``--json``), so a script can
take it; everything else a person reads goes to standard error.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mimeo.cli.client import DEFAULT_SERVER, ClientServerOption, TokenOption, call_server

accounts_app = typer.Typer(
    name="accounts",
    help="Manage accounts and organizations (administrators).",
    no_args_is_help=True,
)
tokens_app = typer.Typer(name="tokens", help="Manage your own API tokens.", no_args_is_help=True)
console = Console(stderr=True)
out = Console(soft_wrap=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _call(server: str, token: str | None, method: str, path: str, **kwargs: Any) -> Any:
    return call_server(server, token, method, path, console, **kwargs)


def _print_json(value: Any) -> None:
    out.print(json.dumps(value, indent=2), markup=False, highlight=False)


@accounts_app.command("create")
def create_account(
    username: Annotated[str, typer.Argument(help="The new account's username.")],
    organization: Annotated[
        bool, typer.Option("--organization", help="An organization, not a user.")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Its display name.")] = None,
    as_json: JsonOption = False,
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """Create an account and print its first API token, shown this once."""
    body = {
        "username": username,
        "type": "organization" if organization else "user",
        "name": name,
        "admin": admin,
    }
    created = _call(server, token, "POST", "/v1/admin/accounts", json=body)
    if as_json:
        _print_json({"username": created["username"], "token": created["token"]})
        return
    console.print(f"Created {created['type']} {created['username']}; its API token (shown once):")
    out.print(created["token"], markup=False, highlight=False)


@accounts_app.command("list")
def list_accounts(
    as_json: JsonOption = False,
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """List every account, newest first."""
    accounts: list[dict[str, Any]] = []
    path: str | None = "/v1/admin/accounts"
    while path:
        page = _call(server, token, "GET", path)
        accounts.extend(page["results"])
        path = page["next"]
    if as_json:
        _print_json(accounts)
        return
    table = Table("Username", "Type", "Name", "Admin", "Disabled", "Organizations / members")
    for account in accounts:
        table.add_row(
            account["username"],
            account["type"],
            account["name"],
            "yes" if account["admin"] else "",
            "yes" if account["disabled"] else "",
            ", ".join(account["organizations"] or account["members"]),
        )
    out.print(table)


@accounts_app.command("add-member")
def add_member(
    organization: Annotated[str, typer.Argument(help="The organization.")],
    username: Annotated[str, typer.Argument(help="The user who joins it.")],
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """Make a user a member of an organization: it then pushes, runs and deploys as it."""
    path = f"/v1/admin/accounts/{organization}/members/{username}"
    org = _call(server, token, "PUT", path)
    console.print(f"{organization} members: {', '.join(org['members'])}")


@accounts_app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="The account to disable.")],
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """Disable an account: its tokens stop working at once; its models and data stay."""
    _call(server, token, "POST", f"/v1/admin/accounts/{username}/disable")
    console.print(f"Disabled {username}.")


@tokens_app.command("create")
def create_token(
    name: Annotated[str | None, typer.Option("--name", help="What the token is for.")] = None,
    as_json: JsonOption = False,
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """Create an API token for your account and print it, shown this once."""
    created = _call(server, token, "POST", "/v1/tokens", json={"name": name})
    if as_json:
        _print_json({"id": created["id"], "name": created["name"], "token": created["token"]})
        return
    console.print(f"Created token {created['id']} (shown once):")
    out.print(created["token"], markup=False, highlight=False)


@tokens_app.command("list")
def list_tokens(
    as_json: JsonOption = False,
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """List your tokens (never their secrets)."""
    tokens = _call(server, token, "GET", "/v1/tokens")["results"]
    if as_json:
        _print_json(tokens)
        return
    table = Table("ID", "Name", "Created", "Last used")
    for entry in tokens:
        table.add_row(
            entry["id"], entry["name"] or "", entry["created_at"], entry["last_used_at"] or ""
        )
    out.print(table)


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The id `mimeo tokens list` shows.")],
    server: ClientServerOption = DEFAULT_SERVER,
    token: TokenOption = None,
) -> None:
    """Revoke one of your tokens: it answers 401 from now on."""
    _call(server, token, "DELETE", f"/v1/tokens/{token_id}")
    console.print(f"Revoked {token_id}.")
