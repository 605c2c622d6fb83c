"""A revoked token, and a disabled account's, answer 401 at once on the node that revoked it:
its token cache forgets on commit (and keeps tokens for an hour here, so nothing is left to
expiry). Across PostgreSQL nodes: ``tests/store/test_cross_node_credentials.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.platform import platform
from mimeo.settings import Settings

ADMIN_TOKEN = "r8_admin-token"
ALICE_TOKEN = "r8_alice-token"
HEARD_WITHIN_SECONDS = 10.0
CACHE_SECONDS = 3600.0


@dataclass
class Node:
    """One API node: its context and its app."""

    context: AppContext
    transport: httpx.ASGITransport

    def client(self, token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.transport,
            base_url="http://mimeo.test",
            headers={"Authorization": f"Bearer {token}"},
        )

    async def call(self, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self.client(token) as client:
            return await client.request(method, path, **kwargs)

    async def status(self, token: str) -> int:
        return (await self.call(token, "GET", "/v1/account")).status_code

    def caches(self, token: str) -> bool:
        return self.context.tokens.get(token) is not None


async def start_nodes(settings: Settings, count: int, stack: AsyncExitStack) -> list[Node]:
    """``count`` nodes on one database, each with its cross-node listener running (as the app's
    lifespan runs it) and a token cache that keeps tokens for an hour."""
    nodes = []
    for _ in range(count):
        context = await stack.enter_async_context(platform(settings, "http://mimeo.test"))
        context.tokens.seconds = CACHE_SECONDS
        if context.cross_node is not None:
            listening = asyncio.create_task(context.cross_node.run())
            stack.callback(listening.cancel)
            await asyncio.wait_for(context.cross_node.listening.wait(), HEARD_WITHIN_SECONDS)
        nodes.append(Node(context, httpx.ASGITransport(create_app(context))))
    store = nodes[0].context.store
    await store.accounts.ensure("admin", ADMIN_TOKEN, admin=True)
    await store.accounts.ensure("alice", ALICE_TOKEN)
    return nodes


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    async with AsyncExitStack() as stack:
        (only,) = await start_nodes(Settings(data_dir=tmp_path), 1, stack)
        yield only


async def new_token(node: Node) -> tuple[str, str]:
    """A token of alice's, made through the API: its id and its secret."""
    made = (await node.call(ALICE_TOKEN, "POST", "/v1/tokens", json={"name": "laptop"})).json()
    return made["id"], made["token"]


async def forgotten(node: Node, seen: int) -> None:
    """Until ``node`` has forgotten its tokens since generation ``seen`` (a counter, polled as
    ``tests.waiting.eventually`` polls a condition)."""
    async with asyncio.timeout(HEARD_WITHIN_SECONDS):
        while node.context.tokens.generation == seen:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_revoked_token_answers_401_at_once(node: Node) -> None:
    token_id, token = await new_token(node)
    assert await node.status(token) == 200
    assert node.caches(token)

    revoked = await node.call(ALICE_TOKEN, "DELETE", f"/v1/tokens/{token_id}")

    assert revoked.status_code == 204
    assert await node.status(token) == 401
    assert await node.status(ALICE_TOKEN) == 200  # her other tokens still work
    listed = (await node.call(ALICE_TOKEN, "GET", "/v1/tokens")).json()["results"]
    assert token_id not in [t["id"] for t in listed]


async def test_a_disabled_accounts_tokens_answer_401_at_once(node: Node) -> None:
    _id, token = await new_token(node)
    assert await node.status(token) == 200

    disabled = await node.call(ADMIN_TOKEN, "POST", "/v1/admin/accounts/alice/disable")

    assert (disabled.status_code, disabled.json()["disabled"]) == (200, True)
    assert [await node.status(t) for t in (token, ALICE_TOKEN)] == [401, 401]
    assert await node.status(ADMIN_TOKEN) == 200


async def test_an_administrator_cannot_disable_itself(node: Node) -> None:
    answer = await node.call(ADMIN_TOKEN, "POST", "/v1/admin/accounts/admin/disable")

    assert answer.status_code == 409
    assert await node.status(ADMIN_TOKEN) == 200
