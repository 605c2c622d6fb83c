"""Per-token rate limits on creating predictions, through an in-process app and the unchanged
``replicate`` client (its async side over ``ASGITransport``, its own retrying transport around
it). The client never retries a POST, so what keeps it working over its limit is the server's
pacing; a 429 it cannot avoid says when to come back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.api.http.rate_limit import CreationLimiter
from mimeo.cli.platform import platform
from mimeo.core.rate_limits import RateLimit
from mimeo.settings import Settings
from tests.in_process import add_text_version

ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
VERSION_ID = "8" * 64


class Clock:
    """The limiter's clock, moved by hand."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def context(tmp_path: Path) -> AsyncIterator[AppContext]:
    """A node whose tokens may create 20 predictions a second, one at a time, each waiting at
    most 0.5 s for its turn."""
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_predictions_per_second=20,
        rate_limit_burst=1,
        rate_limit_max_delay_seconds=0.5,
    )
    async with platform(settings, "http://mimeo.test") as context:
        alice = await context.store.accounts.ensure("alice", ALICE_TOKEN)
        await context.store.accounts.ensure("bob", BOB_TOKEN)
        model = await context.store.catalog.create_model(alice.id, "alice", "echo")
        await add_text_version(context.store.catalog, model, VERSION_ID)
        yield context


def official(context: AppContext, token: str = ALICE_TOKEN) -> replicate.Client:
    transport = httpx.ASGITransport(create_app(context))
    return replicate.Client(api_token=token, base_url="http://mimeo.test", transport=transport)


def raw(context: AppContext, token: str = ALICE_TOKEN) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(context)),
        base_url="http://mimeo.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def create(client: httpx.AsyncClient, wait: int | None = None) -> httpx.Response:
    headers = {"Prefer": f"wait={wait}"} if wait else {}
    body = {"version": VERSION_ID, "input": {"text": "hi"}}
    return await client.post("/v1/predictions", json=body, headers=headers)


async def test_the_official_client_over_its_limit_is_paced_and_every_create_succeeds(
    context: AppContext,
) -> None:
    client = official(context)
    started = time.monotonic()

    created = [
        await client.predictions.async_create(version=VERSION_ID, input={"text": str(n)})
        for n in range(4)
    ]

    assert [p.status for p in created] == ["starting"] * 4
    assert time.monotonic() - started >= 3 / 20 - 0.01  # the three after the first waited


async def test_past_what_pacing_absorbs_the_answer_is_429_problem_json_with_retry_after(
    context: AppContext,
) -> None:
    async with raw(context) as alice:
        answers = await asyncio.gather(*(create(alice) for _ in range(20)))

    refused = [a for a in answers if a.status_code == 429]
    assert refused
    assert len(refused) < 20
    answer = refused[0]
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json()["status"] == 429
    assert answer.json()["title"] == "Too many requests"


async def test_the_official_client_hears_a_429_and_succeeds_after_retry_after(
    context: AppContext,
) -> None:
    clock = Clock()
    context.creation_limits = CreationLimiter(RateLimit(per_second=0.5, burst=1), clock)
    client = official(context)
    await client.predictions.async_create(version=VERSION_ID, input={"text": "first"})

    with pytest.raises(ReplicateError) as refused:
        await client.predictions.async_create(version=VERSION_ID, input={"text": "too soon"})
    clock.now += 2.0  # what Retry-After said, on the limiter's clock
    again = await client.predictions.async_create(version=VERSION_ID, input={"text": "later"})

    assert refused.value.status == 429
    assert refused.value.detail is not None
    assert "retry in" in refused.value.detail
    assert again.status == "starting"


async def test_a_waiting_create_is_never_held_past_its_own_wait(context: AppContext) -> None:
    """``Prefer: wait=1`` makes the client give up after 1.5 s: a turn 2 s away is a 429."""
    clock = Clock()
    context.creation_limits = CreationLimiter(RateLimit(per_second=0.5, burst=1), clock)
    context.settings.rate_limit_max_delay_seconds = 10.0
    async with raw(context) as alice:
        await create(alice)
        answer = await create(alice, wait=1)

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "1"


async def test_each_token_has_its_own_bucket(context: AppContext) -> None:
    clock = Clock()
    context.creation_limits = CreationLimiter(RateLimit(per_second=1, burst=1), clock)
    async with raw(context) as alice, raw(context, BOB_TOKEN) as bob:
        statuses = [
            (await create(alice)).status_code,
            (await create(bob)).status_code,
        ]

    assert statuses == [201, 201]
