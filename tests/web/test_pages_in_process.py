"""The web UI's pages through an in-process app (``ASGITransport``): sessions, CSRF, the
deployment and account pages, and that none of it leaks into the API's OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.platform import platform
from mimeo.core.protocol import Finished, Offer, Outcome
from mimeo.core.records import Version
from mimeo.settings import Settings
from mimeo.web.forms import SECRET_MASK
from mimeo.webhooks import AccountSecrets

ALICE_TOKEN = "r8_alice-token"
WORKER_TOKEN = "worker-token"
ADMIN_TOKEN = "r8_root-token"
VERSION_ID = "7" * 64
SCHEMA = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string", "title": "Text", "x-order": 0}},
            },
            "Output": {"type": "string"},
        }
    },
}


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport
    version: Version

    def browser(self, base_url: str = "http://mimeo.test") -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, base_url=base_url)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(data_dir=tmp_path, worker_token=WORKER_TOKEN)
    async with platform(settings, "http://mimeo.test") as context:
        alice = await context.store.accounts.ensure("alice", ALICE_TOKEN)
        await context.store.accounts.ensure("root", ADMIN_TOKEN, admin=True)
        model = await context.store.catalog.create_model(
            alice.id, "alice", "echo", description="Says it back"
        )
        version = await context.store.catalog.add_version(
            model,
            VERSION_ID,
            cog_version="0.16.9",
            openapi_schema=SCHEMA,
            build={},
            archive_key="archives/echo.tar.gz",
        )
        yield App(context, httpx.ASGITransport(create_app(context)), version)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def signed_in(browser: httpx.AsyncClient) -> str:
    """Signs ``browser`` in as alice; returns the session's CSRF token."""
    form = await browser.get("/signin")
    answer = await browser.post(
        "/signin", data={"token": ALICE_TOKEN, "csrf_token": csrf_of(form.text), "next": "/"}
    )
    assert answer.status_code == 303
    return csrf_of((await browser.get("/")).text)


async def test_the_session_cookie_is_sealed_httponly_lax_and_secure_over_https(app: App) -> None:
    async with app.browser("https://mimeo.test") as browser:
        form = await browser.get("/signin")
        answer = await browser.post(
            "/signin",
            data={"token": ALICE_TOKEN, "csrf_token": csrf_of(form.text), "next": "/"},
        )

    cookie = answer.headers["set-cookie"]
    assert ALICE_TOKEN not in cookie
    assert {"httponly", "samesite=lax", "secure"} <= {
        part.strip().lower() for part in cookie.split(";")
    }


async def test_signing_in_needs_the_sign_in_forms_own_csrf_token(app: App) -> None:
    async with app.browser() as browser:
        await browser.get("/signin")
        answer = await browser.post("/signin", data={"token": ALICE_TOKEN, "csrf_token": "x"})

    assert answer.status_code == 403


async def test_after_sign_in_only_paths_of_this_server_are_followed(app: App) -> None:
    async with app.browser() as browser:
        form = await browser.get("/signin?next=//evil.example/")
        answer = await browser.post(
            "/signin",
            data={"token": ALICE_TOKEN, "csrf_token": csrf_of(form.text), "next": "//evil.example"},
        )

    assert answer.headers["location"] == "/"


async def test_deployments_are_created_and_released_again_from_their_pages(app: App) -> None:
    async with app.browser() as browser:
        csrf = await signed_in(browser)
        fields = {"model": "alice/echo", "version": VERSION_ID, "hardware": "cpu"}
        bad = await browser.post(
            "/deployments/new",
            data={"csrf_token": csrf, "name": "Bad Name!", **fields, "min_instances": "0"}
            | {"max_instances": "1"},
        )
        made = await browser.post(
            "/deployments/new",
            data={"csrf_token": csrf, "name": "echo-prod", **fields, "min_instances": "0"}
            | {"max_instances": "1"},
        )
        edited = await browser.post(
            "/deployments/alice/echo-prod",
            data={"csrf_token": csrf, "version": VERSION_ID, "hardware": "cpu"}
            | {"min_instances": "0", "max_instances": "3"},
        )
        listing = await browser.get("/deployments")

    assert bad.status_code == 422
    assert 'id="d-name-error"' in bad.text
    assert made.headers["location"] == "/deployments/alice/echo-prod"
    assert edited.status_code == 303
    deployment = await app.context.store.deployments.get("alice", "echo-prod")
    assert (deployment.release_number, deployment.max_instances) == (2, 3)
    assert "alice/echo-prod" in listing.text


async def test_the_account_page_shows_the_webhook_signing_secret(app: App) -> None:
    async with app.browser() as browser:
        await signed_in(browser)
        page = await browser.get("/account")

    alice = await app.context.store.accounts.by_username("alice")
    assert alice is not None
    secret = await AccountSecrets(app.context.store.engine).get_or_create(alice.id)
    assert f'value="{secret}"' in page.text


async def test_a_model_page_that_does_not_exist_is_a_404_page(app: App) -> None:
    async with app.browser() as browser:
        await signed_in(browser)
        missing = await browser.get("/alice/nothing")
        api_path = await browser.get("/v1/nothing")

    assert (missing.status_code, missing.headers["content-type"]) == (
        404,
        "text/html; charset=utf-8",
    )
    assert (api_path.status_code, api_path.headers["content-type"]) == (
        404,
        "application/problem+json",
    )


async def test_urls_web_leads_a_browser_to_the_prediction_page_and_a_client_to_the_api(
    app: App,
) -> None:
    async with app.browser() as browser:
        page = await browser.get("/p/abc", headers={"Accept": "text/html,*/*;q=0.8"})
        api = await browser.get("/p/abc")

    assert (page.status_code, page.headers["location"]) == (307, "/predictions/abc")
    assert api.headers["location"] == "http://mimeo.test/v1/predictions/abc"


async def test_the_ui_is_not_in_the_apis_openapi_document(app: App) -> None:
    async with app.browser() as browser:
        paths = (await browser.get("/openapi.json")).json()["paths"]

    assert all(path.startswith("/v1/") for path in paths), sorted(paths)


async def test_a_spent_balance_says_so_on_the_page_and_to_the_script(app: App) -> None:
    async with app.browser() as operator:
        drained = await operator.post(
            "/v1/admin/accounts/alice/credit",
            json={"amount": "-5.00"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    assert drained.json()["balance"] == "0.000000"
    async with app.browser() as browser:
        csrf = await signed_in(browser)
        page = await browser.post("/alice/echo/run", data={"csrf_token": csrf, "text": "hi"})
        script = await browser.post(
            "/alice/echo/run",
            data={"csrf_token": csrf, "text": "hi"},
            headers={"Accept": "application/json"},
        )

    assert page.status_code == 402
    assert "Your balance is spent" in page.text
    assert script.status_code == 402
    assert "is spent" in script.json()["detail"]


async def test_a_secret_input_is_masked_on_its_prediction_page(app: App) -> None:
    """The page and its API code may be shown to others: the secret is not on them."""
    schema = {
        "components": {
            "schemas": {
                "Input": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string", "format": "password", "x-cog-secret": True}
                    },
                },
                "Output": {"type": "string"},
            }
        }
    }
    store = app.context.store
    model = await store.catalog.get_model("alice", "echo")
    await store.catalog.add_version(
        model, "8" * 64, cog_version="0.16.9", openapi_schema=schema, build={}, archive_key="a"
    )
    async with app.browser() as browser:
        csrf = await signed_in(browser)
        made = await browser.post(
            "/alice/echo/run",
            data={"csrf_token": csrf, "key": "hunter2"},
            headers={"Accept": "application/json"},
        )
        prediction_id = made.json()["prediction"]["id"]
        page = await browser.get(f"/predictions/{prediction_id}")
        code = await browser.get(f"/alice/echo/api?prediction={prediction_id}")

    assert "hunter2" not in page.text
    assert "hunter2" not in code.text
    assert SECRET_MASK in code.text


async def test_the_history_pages_by_twenty_five_and_keeps_its_filters(app: App) -> None:
    async with app.browser() as browser:
        csrf = await signed_in(browser)
        for number in range(26):
            made = await browser.post(
                "/alice/echo/run",
                data={"csrf_token": csrf, "text": f"run {number}"},
                headers={"Accept": "application/json"},
            )
            assert made.status_code == 201, made.text
        first = await browser.get("/predictions?model=alice/echo&status=starting")
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older, first.text
        second = await browser.get(older.group(1).replace("&amp;", "&"))
        none = await browser.get("/predictions?status=succeeded")

    assert first.text.count("<tr data-id=") == 25
    assert "model=alice%2Fecho" in older.group(1)
    assert "status=starting" in older.group(1)
    assert second.text.count("<tr data-id=") == 1
    assert "No predictions match these filters" in none.text


async def test_the_model_page_shows_the_readme_the_catalogue_keeps(app: App) -> None:
    model = await app.context.store.catalog.get_model("alice", "echo")
    await app.context.store.catalog.set_readme(model, "# Echo\n\nSays **it** back.")
    async with app.browser() as browser:
        await signed_in(browser)
        page = await browser.get("/alice/echo")

    assert "<strong>it</strong>" in page.text
    assert "no README yet" not in page.text


async def test_explore_searches_public_models_and_the_callers_own(app: App) -> None:
    store = app.context.store
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    await store.catalog.create_model(bob.id, "bob", "hidden-echo", visibility="private")
    await store.catalog.create_model(bob.id, "bob", "loud-echo", description="Shouts it")
    alice = await store.accounts.by_username("alice")
    assert alice is not None
    mine = await store.catalog.create_model(alice.id, "alice", "mine", visibility="private")
    await store.catalog.set_readme(mine, "Repeats like a parrot.")
    async with app.browser() as browser:
        await signed_in(browser)
        echo = (await browser.get("/?q=echo")).text
        parrot = (await browser.get("/?q=parrot")).text
        listing = (await browser.get("/")).text

    assert 'href="/alice/echo"' in echo
    assert 'href="/bob/loud-echo"' in echo
    assert 'href="/bob/hidden-echo"' not in echo
    assert 'href="/alice/mine"' in parrot
    assert 'href="/alice/echo"' not in parrot
    assert 'href="/alice/mine"' in listing


async def run_to_the_end(app: App, browser: httpx.AsyncClient, csrf: str, model: str) -> str:
    """Created through the form, claimed and finished by the embedded worker's channel, with a
    ``predict_time`` of 1.234567 s (123 micro-dollars on CPU)."""
    made = await browser.post(
        f"/{model}/run",
        data={"csrf_token": csrf, "text": "hi"},
        headers={"Accept": "application/json"},
    )
    assert made.status_code == 201, made.text
    worker = InProcessWorkerChannel(app.context, "w1")
    job = await worker.claim(0, Offer(startable_hardware=["cpu"]))
    assert job is not None
    outcome = Outcome(status="succeeded", output="hi", metrics={"predict_time": 1.234567})
    await worker.report(job.prediction_id, Finished(worker_id="w1", outcome=outcome))
    return job.prediction_id


async def test_a_prediction_shows_its_charge_and_the_account_page_its_usage(app: App) -> None:
    store = app.context.store
    alice = await store.accounts.by_username("alice")
    assert alice is not None
    secret = await store.catalog.create_model(alice.id, "alice", "secret", visibility="private")
    await store.catalog.add_version(
        secret, "9" * 64, cog_version="0.16.9", openapi_schema=SCHEMA, build={}, archive_key="s"
    )
    async with app.browser() as browser:
        csrf = await signed_in(browser)
        charged = await run_to_the_end(app, browser, csrf, "alice/echo")
        private = await run_to_the_end(app, browser, csrf, "alice/secret")
        charged_page = (await browser.get(f"/predictions/{charged}")).text
        private_page = (await browser.get(f"/predictions/{private}")).text
        history = (await browser.get("/predictions")).text
        account = (await browser.get("/account")).text

    today = datetime.now(UTC).date().isoformat()
    assert '<dd id="cost">$0.000123</dd>' in charged_page
    assert '<dd id="cost">Billed as instance time</dd>' in private_page
    assert "<td>$0.000123</td>" in history
    assert '<dd id="balance">$4.999877</dd>' in account
    assert '<dd id="spent">$0.000123</dd>' in account
    assert re.search(r'<svg class="chart" role="img"[^>]*>\s*<title', account)
    assert f"<tr><td>{today}</td><td>1</td><td>1.234567</td><td>$0.000123</td></tr>" in account
    assert "<tr><td>alice/echo</td><td>1</td><td>1.234567</td><td>$0.000123</td></tr>" in account
