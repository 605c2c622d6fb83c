"""``mimeo serve``: the API, a local worker and the bundled examples, in one process tree."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import structlog
import uvicorn
from rich.console import Console
from uvicorn.server import HANDLED_SIGNALS

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.data_dir import private_data_dir
from mimeo.cli.event_loop import freeze_startup_heap
from mimeo.cli.example_collections import file_examples
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.listen import listening_socket
from mimeo.cli.platform import platform
from mimeo.cli.push import PushFailed, push_model
from mimeo.cli.system_packages import left_out_line, missing_per_need, needs
from mimeo.cli.tls import TlsFiles, server_tls
from mimeo.cli.worker_node import build_director
from mimeo.core.errors import MimeoError
from mimeo.core.identifiers import ModelRef
from mimeo.core.ids import new_api_token, new_worker_id
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.settings import Settings
from mimeo.worker.director import Director

log = structlog.get_logger()
EXAMPLES_OWNER = "examples"
MINIMAL_EXAMPLES = ("hello-world", "image-filter")


class EmbeddedServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT once it has stopped, which would end the process before
    the worker stops its model instances (they run in their own process groups and would be
    orphaned). Here the signal only asks for shutdown; ``serve`` then cleans up and returns."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def examples_dir() -> Path:
    """Examples sit beside ``src/`` in a checkout; ``MIMEO_EXAMPLES_DIR`` points elsewhere."""
    configured = os.environ.get("MIMEO_EXAMPLES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "examples"


def bootstrap_token(settings: Settings) -> str:
    """The first account's token: fixed by the environment, else made once and kept."""
    if settings.bootstrap_token:
        return settings.bootstrap_token
    token_file = settings.data_dir / "api-token"
    if token_file.is_file():
        return token_file.read_text().strip()
    token = new_api_token()
    token_file.write_text(token)
    token_file.chmod(0o600)
    return token


def shown_token(settings: Settings, token: str) -> str:
    """What the ready message shows for the token. One the operator set is not repeated (the
    console is often a log, and the operator has it); one mimeo made is shown, as the quick
    start needs it, and is kept in the data dir."""
    return "$MIMEO_BOOTSTRAP_TOKEN" if settings.bootstrap_token else token


async def serve(
    settings: Settings,
    host: str,
    port: int,
    examples: str,
    run_worker: bool,
    console: Console,
) -> None:
    listener = listening_socket(host, port)
    private_data_dir(settings.data_dir)
    tls = server_tls(settings, host)
    if settings.allow_private_urls is None:
        settings = settings.model_copy(update={"allow_private_urls": run_worker})
    url = own_url(host, port, tls)
    async with platform(settings, url) as context:
        await run_node(context, listener, tls, url, examples, run_worker, console)


async def run_node(
    context: AppContext,
    listener: socket.socket,
    tls: TlsFiles | None,
    url: str,
    examples: str,
    run_worker: bool,
    console: Console,
) -> None:
    settings = context.settings
    token = bootstrap_token(settings)
    account = await context.store.accounts.ensure(settings.bootstrap_username, token, admin=True)
    server = EmbeddedServer(
        uvicorn.Config(
            create_app(context),
            log_level="warning",
            access_log=False,
            ssl_certfile=tls.certfile if tls else None,
            ssl_keyfile=tls.keyfile if tls else None,
        )
    )
    builder = EnvironmentBuilder(settings.resolved_env_dir)

    director: Director | None = None
    if run_worker:
        channel = InProcessWorkerChannel(context, new_worker_id())
        director = await build_director(settings, channel, builder)

    serving = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if serving.done():
            await serving
            return
        await asyncio.sleep(0.02)
    freeze_startup_heap()
    worker_task = asyncio.create_task(director.run()) if director else None
    console.print(f"mimeo is listening on [bold]{url}[/] (account [bold]{account.username}[/])")
    try:
        verify = tls.client_context() if tls else True
        first, rest = example_names(examples)
        await push_examples(url, token, first, builder, console, verify)
        await file_examples(context.store, EXAMPLES_OWNER, first)
        trust = f"  export SSL_CERT_FILE={tls.ca_file}\n" if tls and tls.ca_file else ""
        console.print(
            "\n[bold green]mimeo is ready.[/]\n"
            f"  export REPLICATE_BASE_URL={url}\n"
            f"  export REPLICATE_API_TOKEN={shown_token(settings, token)}\n"
            f"{trust}"
            "  python -c 'import replicate; "
            'print(replicate.run("examples/hello-world", input={"text": "mimeo"}))\'\n',
            soft_wrap=True,
        )
        if tls and tls.ca_file:
            console.print(
                "SSL_CERT_FILE makes Python's httpx and replicate trust mimeo's local CA (in place "
                "of the default bundle); Node takes it as NODE_EXTRA_CA_CERTS.",
                style="dim",
            )
        if rest:
            console.print(
                f"Pushing the rest of the model library ({', '.join(rest)}); each model "
                "answers as soon as it is pushed. `--examples minimal` skips them."
            )
            await push_examples(url, token, rest, builder, console, verify)
            await file_examples(context.store, EXAMPLES_OWNER, rest)
            console.print("[bold green]The model library is ready.[/]")
        await serving
    finally:
        if director is not None and worker_task is not None:
            # As `mimeo worker` on SIGTERM: running predictions finish or go back to the queue.
            director.drain()
            try:
                await asyncio.wait_for(asyncio.shield(worker_task), director.drain_timeout + 15)
            except TimeoutError:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            await director.pool.close()


def own_url(host: str, port: int, tls: TlsFiles | None) -> str:
    """Where clients on this machine reach the server (a wildcard address means loopback)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"{'https' if tls else 'http'}://{reachable}:{port}"


def example_names(which: str) -> tuple[list[str], list[str]]:
    """The bundled examples ``which`` asks for: the small ones first (the quick start runs
    them, so the server is ready once they are in), then the rest of the library."""
    root = examples_dir()
    if which == "none" or not root.is_dir():
        return [], []
    names = sorted(p.name for p in root.iterdir() if (p / "cog.yaml").is_file())
    first = [n for n in names if n in MINIMAL_EXAMPLES]
    return first, ([] if which == "minimal" else [n for n in names if n not in first])


async def push_examples(
    url: str,
    token: str,
    names: list[str],
    builder: EnvironmentBuilder,
    console: Console,
    verify: ssl.SSLContext | bool = True,
) -> None:
    if not names:
        return
    root = examples_dir()
    left_out = {
        need.who: left_out_line(need, missing)
        for need, missing in await missing_per_need(needs(root)) or []
    }
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, verify=verify
    ) as client:
        for name in names:
            if (line := left_out.get(f"examples/{name}")) is not None:
                console.print(f"[yellow]✗[/] {line}", soft_wrap=True, highlight=False)
                continue
            try:
                await push_model(
                    root / name, ModelRef(EXAMPLES_OWNER, name), client, builder, console
                )
            except (PushFailed, MimeoError, httpx.HTTPError) as error:
                console.print(f"[red]✗ could not push example {name}:[/] {error}")
