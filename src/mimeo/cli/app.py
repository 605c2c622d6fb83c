"""Typer commands. Each reads its settings here and runs one coroutine.

The commands that start a node (``serve``, ``worker``, ``predict``) import what they run inside
themselves: importing the API, the worker and their dependencies takes a second or two, which
``mimeo push``, ``mimeo run`` and the other client commands should not pay on every call.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import structlog
import typer
from rich.console import Console

from mimeo.cli.accounts import accounts_app, tokens_app
from mimeo.cli.billing import show_balance, show_usage
from mimeo.cli.client import (
    ClientServerOption,
    TokenOption,
    api_client,
    call_server,
    failure,
    require_token,
)
from mimeo.cli.collections import collections_app
from mimeo.cli.fleet import show_workers
from mimeo.cli.inputs import parse_inputs
from mimeo.cli.outputs import show_output
from mimeo.cli.push import PushFailed, push_model
from mimeo.core.errors import MimeoError
from mimeo.core.identifiers import ModelRef
from mimeo.core.output_schema import as_read
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.settings import Settings

app = typer.Typer(
    help="Run open-source models behind a Replicate-compatible API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(accounts_app)
app.add_typer(tokens_app)
app.add_typer(collections_app, name="collections")
console = Console(stderr=True)
out = Console(soft_wrap=True)

ServerOption = Annotated[
    str, typer.Option("--server", envvar="MIMEO_SERVER", help="The mimeo server to talk to.")
]
WorkerTokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="MIMEO_WORKER_TOKEN", help="The server's worker token."),
]
InputOption = Annotated[
    list[str] | None,
    typer.Option("-i", "--input", help="An input as key=value; @path sends a file."),
]


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            # Plain tracebacks: the default renders every frame's locals, which holds request
            # headers, tokens and signed URLs.
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            ),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )


def _require_token(token: str | None) -> str:
    return require_token(token, console)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where the database, token and files live."),
    ] = None,
    examples: Annotated[
        str, typer.Option(help="Which bundled examples to push: all, minimal or none.")
    ] = "all",
    worker: Annotated[
        bool, typer.Option(help="Run a local worker (turn off for API-only nodes in cluster mode).")
    ] = True,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate (PEM).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The private key of --tls-cert (PEM).")
    ] = None,
    tls_self_signed: Annotated[
        bool,
        typer.Option(
            "--tls-self-signed", help="Serve HTTPS with a local CA made once in the data dir."
        ),
    ] = False,
) -> None:
    """Start the platform: API, a local worker and the bundled example models."""
    from mimeo.cli.event_loop import run_service
    from mimeo.cli.listen import CannotListen
    from mimeo.cli.serve import serve as serve_platform
    from mimeo.cli.tls import TlsError

    _configure_logging()
    given: dict[str, Any] = {
        "data_dir": data_dir,
        "tls_cert": tls_cert,
        "tls_key": tls_key,
        "tls_self_signed": tls_self_signed or None,
    }
    settings = Settings(**{name: value for name, value in given.items() if value is not None})
    if examples not in ("all", "minimal", "none"):
        raise typer.BadParameter("--examples is all, minimal or none")
    try:
        run_service(serve_platform(settings, host, port, examples, worker, console))
    except (TlsError, CannotListen) as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from error


@app.command("worker")
def worker_command(
    server: ServerOption = "http://127.0.0.1:8000",
    token: WorkerTokenOption = None,
    max_instances: Annotated[
        int | None,
        typer.Option(
            "--max-instances", help="Model instances run at once (default MIMEO_MAX_INSTANCES, 4)."
        ),
    ] = None,
) -> None:
    """Join a mimeo server as a worker: claim predictions and run them here."""
    from mimeo.cli.event_loop import freeze_startup_heap, run_service
    from mimeo.cli.worker_node import build_director
    from mimeo.core.ids import new_worker_id
    from mimeo.worker.api_client import WorkerAPI

    _configure_logging()
    settings = Settings() if max_instances is None else Settings(max_instances=max_instances)
    worker_token = _require_token(token)

    async def run() -> None:
        # Signals are caught from the start: a SIGTERM while the node is still starting up
        # (detecting its GPUs) drains it as soon as it can run, instead of killing it.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        api = WorkerAPI(server, worker_token, new_worker_id())
        builder = EnvironmentBuilder(settings.resolved_env_dir)
        director = await build_director(settings, api, builder)
        freeze_startup_heap()
        stopping = asyncio.create_task(stop.wait())
        stopping.add_done_callback(lambda _: director.drain())
        await director.run()
        stopping.cancel()

    run_service(run())


@app.command()
def workers(
    server: ServerOption = "http://127.0.0.1:8000",
    token: WorkerTokenOption = None,
) -> None:
    """Show the fleet: every worker the server has heard from, its hardware and instances."""
    answer = call_server(server, token, "GET", "/v1/admin/workers", console)
    show_workers(out, answer)


credit_app = typer.Typer(help="Manage accounts' credit (administrators).", no_args_is_help=True)
app.add_typer(credit_app, name="credit")


@credit_app.command("add", context_settings={"ignore_unknown_options": True})
def credit_add(
    username: Annotated[str, typer.Argument(help="The account to credit.")],
    amount: Annotated[str, typer.Argument(help="Dollars, e.g. 10.00; negative takes back.")],
    note: Annotated[str | None, typer.Option(help="Why, kept in the ledger.")] = None,
    server: ClientServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
) -> None:
    """Add credit to an account (a negative amount takes credit back); an administrator's
    token."""
    body = {"amount": amount, "note": note}
    path = f"/v1/admin/accounts/{username}/credit"
    billing = call_server(server, token, "POST", path, console, json=body)
    show_balance(out, billing)


@app.command()
def usage(
    group_by: Annotated[
        str, typer.Option("--group-by", help="Sum usage by day, model or hardware.")
    ] = "day",
    since: Annotated[str | None, typer.Option(help="From this UTC day or moment.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this UTC day or moment.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's answer.")] = False,
    server: ClientServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
) -> None:
    """Show your balance and what you have spent, by day, model or hardware."""
    params = {
        name: value
        for name, value in {"group_by": group_by, "since": since, "until": until}.items()
        if value is not None
    }
    spent = call_server(server, token, "GET", "/v1/billing/usage", console, params=params)
    billing = call_server(server, token, "GET", "/v1/billing", console)
    if as_json:
        out.print_json(data={**spent, "billing": billing})
    else:
        show_usage(out, spent, billing)


@app.command()
def hardware() -> None:
    """Show this node's CPUs, memory and GPUs, and the hardware SKUs it can serve."""
    from mimeo.cli.hardware import show_inventory
    from mimeo.worker.hardware import detect_inventory

    _configure_logging()
    inventory = asyncio.run(detect_inventory(Settings().nvidia_smi))
    show_inventory(out, inventory)


@app.command()
def push(
    directory: Annotated[Path, typer.Argument(help="Model directory with cog.yaml.")],
    model: Annotated[str, typer.Option("--model", help="owner/name to push to.")],
    server: ClientServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
    private: Annotated[
        bool,
        typer.Option(
            "--private", help="Make the model private: seen and run only by its owner's members."
        ),
    ] = False,
) -> None:
    """Build a model directory's environment and push it as a new version (a new model is
    public unless --private)."""
    ref = ModelRef.parse(model)
    api_token = _require_token(token)
    builder = EnvironmentBuilder(Settings().resolved_env_dir)

    async def run() -> dict[str, Any]:
        async with api_client(server, api_token) as client:
            return await push_model(
                directory.resolve(), ref, client, builder, console, private=private
            )

    try:
        version = asyncio.run(run())
    except (PushFailed, MimeoError, httpx.HTTPError) as error:
        console.print(failure(error, server), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    out.print(f"{ref.full_name}:{version['id']}")


@app.command("system-packages")
def system_packages(
    install: Annotated[
        bool, typer.Option("--install/--check", help="Install what is missing when allowed.")
    ] = True,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail when anything is still missing (make test).")
    ] = False,
    dev: Annotated[
        bool,
        typer.Option("--dev", help="Also what the tests need (system-packages-dev.txt)."),
    ] = False,
) -> None:
    """Install the Debian packages the bundled models and mimeo need (as root or with sudo)."""
    from mimeo.cli.serve import examples_dir
    from mimeo.cli.system_packages import ensure_system_packages

    left_out = ensure_system_packages(examples_dir(), console, may_install=install, dev=dev)
    for line in left_out:
        console.print(line, style="yellow", markup=False, soft_wrap=True)
    if left_out and strict:
        raise typer.Exit(1)


@app.command()
def predict(
    directory: Annotated[Path, typer.Argument(help="Model directory with cog.yaml.")] = Path("."),
    inputs: InputOption = None,
) -> None:
    """Run a model directory once, locally, without a server (like `cog predict`)."""
    from mimeo.cli.local_predict import predict_locally
    from mimeo.runtime.instance import SetupFailed

    builder = EnvironmentBuilder(Settings().resolved_env_dir)
    try:
        result = asyncio.run(predict_locally(directory.resolve(), inputs or [], builder, console))
    except SetupFailed as error:
        console.print(f"[red]setup failed:[/] {error.detail}\n{error.logs}", markup=False)
        raise typer.Exit(1) from error
    except MimeoError as error:
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(1) from error
    if result.status != "succeeded":
        console.print(f"[red]prediction {result.status}:[/] {result.error}")
        raise typer.Exit(1)
    show_output(out, result.output)


@app.command()
def run(
    model: Annotated[str, typer.Argument(help="owner/name or owner/name:version")],
    inputs: InputOption = None,
    server: ClientServerOption = "http://127.0.0.1:8000",
    token: TokenOption = None,
) -> None:
    """Run a model on a mimeo server and print its output."""
    ref = ModelRef.parse(model)
    api_token = _require_token(token)

    async def call() -> tuple[dict[str, Any], dict[str, Any]]:
        async with api_client(server, api_token) as client:
            if ref.version:
                schema = (
                    await client.get(f"/v1/models/{ref.owner}/{ref.name}/versions/{ref.version}")
                ).json()
            else:
                schema = (await client.get(f"/v1/models/{ref.owner}/{ref.name}")).json().get(
                    "latest_version"
                ) or {}
            payload = parse_inputs(inputs or [], schema.get("openapi_schema"))
            path, body = (
                ("/v1/predictions", {"version": str(ref), "input": payload})
                if ref.version
                else (f"/v1/models/{ref.owner}/{ref.name}/predictions", {"input": payload})
            )
            response = await client.post(path, json=body, headers={"Prefer": "wait=60"})
            prediction: dict[str, Any] = response.json()
            if response.status_code >= 400:
                raise MimeoError(prediction.get("detail", response.text))
            while prediction["status"] in ("starting", "processing"):
                await asyncio.sleep(0.5)
                prediction = (await client.get(prediction["urls"]["get"])).json()
            return prediction, schema.get("openapi_schema") or {}

    started = time.monotonic()
    try:
        prediction, schema = asyncio.run(call())
    except (MimeoError, httpx.HTTPError) as error:
        console.print(failure(error, server), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    if prediction.get("logs"):
        console.print(prediction["logs"].rstrip("\n"), style="dim", markup=False)
    if prediction["status"] != "succeeded":
        console.print(f"[red]prediction {prediction['status']}:[/] {prediction.get('error')}")
        raise typer.Exit(1)
    show_output(out, as_read(schema, prediction["output"]))
    console.print(f"[dim]{prediction['id']} in {time.monotonic() - started:.2f} s[/]")


def main() -> None:
    app()
