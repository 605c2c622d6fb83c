"""``mimeo collections``: define collections of models on a server, with the worker token (the
fleet operator's credential) or an administrator's token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from mimeo.cli.client import api_client, request_json
from mimeo.core.errors import MimeoError
from mimeo.core.identifiers import ModelRef

collections_app = typer.Typer(
    help="Curate collections of models (operators).", no_args_is_help=True
)
console = Console(stderr=True)

Server = Annotated[
    str, typer.Option("--server", envvar="MIMEO_SERVER", help="The mimeo server to talk to.")
]
WorkerToken = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="MIMEO_WORKER_TOKEN",
        help="The server's worker token, or an administrator's API token.",
    ),
]
Slug = Annotated[str, typer.Argument(help="The collection's slug, like text-to-image.")]
Model = Annotated[str, typer.Argument(help="owner/name of the model.")]


async def save_collection(
    client: httpx.AsyncClient,
    slug: str,
    name: str,
    description: str,
    full_description: str | None = None,
) -> dict[str, Any]:
    body = {"name": name, "description": description, "full_description": full_description}
    path = f"/v1/admin/collections/{slug}"
    answer: dict[str, Any] = await request_json(client, "PUT", path, json=body)
    return answer


async def delete_collection(client: httpx.AsyncClient, slug: str) -> None:
    await request_json(client, "DELETE", f"/v1/admin/collections/{slug}")


async def add_model(client: httpx.AsyncClient, slug: str, model: str) -> None:
    ref = ModelRef.parse(model)
    await request_json(client, "PUT", f"/v1/admin/collections/{slug}/models/{ref.full_name}")


async def remove_model(client: httpx.AsyncClient, slug: str, model: str) -> None:
    ref = ModelRef.parse(model)
    await request_json(client, "DELETE", f"/v1/admin/collections/{slug}/models/{ref.full_name}")


def _run(server: str, token: str, call: Callable[[httpx.AsyncClient], Awaitable[object]]) -> None:
    async def run() -> None:
        async with api_client(server, token) as client:
            await call(client)

    try:
        asyncio.run(run())
    except (MimeoError, httpx.HTTPError) as error:
        console.print(f"[red]{error}[/]", markup=True, highlight=False)
        raise typer.Exit(1) from error


@collections_app.command("create")
def create(
    slug: Slug,
    name: Annotated[str, typer.Option("--name", help="The collection's title.")],
    token: WorkerToken,
    description: Annotated[str, typer.Option("--description", help="One sentence.")] = "",
    full_description: Annotated[
        str | None, typer.Option("--full-description", help="Markdown shown with its models.")
    ] = None,
    server: Server = "http://127.0.0.1:8000",
) -> None:
    """Create a collection, or change the name and descriptions of an existing one."""
    _run(server, token, lambda c: save_collection(c, slug, name, description, full_description))
    console.print(f"[green]✓[/] collection [bold]{slug}[/]")


@collections_app.command("delete")
def delete(slug: Slug, token: WorkerToken, server: Server = "http://127.0.0.1:8000") -> None:
    """Delete a collection (its models stay)."""
    _run(server, token, lambda c: delete_collection(c, slug))
    console.print(f"[green]✓[/] deleted collection [bold]{slug}[/]")


@collections_app.command("add")
def add(
    slug: Slug, model: Model, token: WorkerToken, server: Server = "http://127.0.0.1:8000"
) -> None:
    """Put a model in a collection."""
    _run(server, token, lambda c: add_model(c, slug, model))
    console.print(f"[green]✓[/] {model} is in [bold]{slug}[/]")


@collections_app.command("remove")
def remove(
    slug: Slug, model: Model, token: WorkerToken, server: Server = "http://127.0.0.1:8000"
) -> None:
    """Take a model out of a collection."""
    _run(server, token, lambda c: remove_model(c, slug, model))
    console.print(f"[green]✓[/] {model} is no longer in [bold]{slug}[/]")
