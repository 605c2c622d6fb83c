"""What the commands that talk to a server as a user share: where the server is, the token, an
HTTP client, and a failure told in one line."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from mimeo.core.errors import MimeoError

ClientServerOption = Annotated[
    str,
    typer.Option(
        "--server",
        envvar=["MIMEO_SERVER", "REPLICATE_BASE_URL"],
        help="The mimeo server to talk to (MIMEO_SERVER, then REPLICATE_BASE_URL).",
    ),
]
"""What a user's client commands take: the ready message tells them to export
REPLICATE_BASE_URL for the official clients, and the same export serves ``mimeo run``."""
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token", envvar=["MIMEO_API_TOKEN", "REPLICATE_API_TOKEN"], help="Your API token."
    ),
]
DEFAULT_SERVER = "http://127.0.0.1:8000"


def require_token(token: str | None, console: Console) -> str:
    if not token:
        console.print("[red]No API token: pass --token or set MIMEO_API_TOKEN[/]")
        raise typer.Exit(2)
    return token


def api_client(server: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=120.0
    )


async def request_json(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """The answer's JSON (None for a 204); a problem answer raises with its ``detail``."""
    response = await client.request(method, path, **kwargs)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise MimeoError(f"{response.status_code}: {detail}")
    return None if response.status_code == 204 else response.json()


def failure(error: Exception, server: str) -> str:
    """A connection failure names the server tried and where that address came from."""
    if isinstance(error, httpx.TransportError):
        return (
            f"Could not reach a mimeo server at {server} ({type(error).__name__}: {error}); "
            "pass --server or set MIMEO_SERVER (or REPLICATE_BASE_URL)."
        )
    return str(error)


def call_server(
    server: str, token: str | None, method: str, path: str, console: Console, **kwargs: Any
) -> Any:
    """One request to the server as the token's account, from a command; a failure (no token,
    a problem answer, no server) ends the command with one line."""
    api_token = require_token(token, console)

    async def call() -> Any:
        async with api_client(server, api_token) as client:
            return await request_json(client, method, path, **kwargs)

    try:
        return asyncio.run(call())
    except (MimeoError, httpx.HTTPError) as error:
        console.print(failure(error, server), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
