"""Accounts cannot reach each other's things: bob tries every route on alice's models, versions,
predictions, files, deployments and tokens, and on those of her organization acme, and each
attempt answers 404 (401 for administrators' routes); nothing shows through lists, error
details or signed URLs. Alice, and acme's members, reach the same things, so no 404 here is a
broken route. In process (``ASGITransport``) over the app ``mimeo serve`` runs; no worker, so
predictions stay queued."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.platform import platform
from mimeo.core.blob_refs import blob_ref
from mimeo.runtime.archive import pack
from mimeo.settings import Settings
from tests.conftest import FIXTURES
from tests.in_process import TEXT_SCHEMA, add_text_version, api_client

ADMIN_TOKEN = "r8_admin-token"
ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
WORKER_TOKEN = "worker-token"
PRIVATE_V, PUBLIC_V, SECRET_V = "1" * 64, "2" * 64, "3" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"cover"


@dataclass
class World:
    """Alice's things (and acme's, her organization), as alice made them through the API."""

    context: AppContext
    transport: httpx.ASGITransport
    prediction: dict[str, Any]
    org_prediction: dict[str, Any]
    file: dict[str, Any]
    token: dict[str, Any]

    def client(self, token: str | None) -> httpx.AsyncClient:
        return api_client(self.transport, token)


async def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return None if status == 204 else answer.json()


async def add_model(
    context: AppContext, owner: str, name: str, version: str, visibility: str
) -> None:
    account = await context.store.accounts.by_username("alice")
    assert account is not None
    model = await context.store.catalog.create_model(account.id, owner, name, visibility=visibility)
    await add_text_version(context.store.catalog, model, version)
    key = f"covers/{name}.png"
    await context.blobs.put(key, PNG, "image/png")
    await context.store.catalog.set_cover(model, blob_ref(key))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(data_dir=tmp_path, worker_token=WORKER_TOKEN)
    async with platform(settings, "http://mimeo.test") as context:
        store = context.store
        await store.accounts.ensure("admin", ADMIN_TOKEN, admin=True)
        await store.accounts.ensure("alice", ALICE_TOKEN)
        await store.accounts.ensure("bob", BOB_TOKEN)
        await store.accounts.create("acme", "organization")
        await store.accounts.add_member("acme", "alice")
        await add_model(context, "alice", "private", PRIVATE_V, "private")
        await add_model(context, "alice", "public", PUBLIC_V, "public")
        await add_model(context, "acme", "secret", SECRET_V, "private")
        transport = httpx.ASGITransport(create_app(context))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://mimeo.test",
            headers={"Authorization": f"Bearer {ALICE_TOKEN}"},
        ) as alice:
            text = {"input": {"text": "secret"}}
            prediction = await ok(
                await alice.post("/v1/models/alice/private/predictions", json=text), 201
            )
            org_prediction = await ok(
                await alice.post("/v1/models/acme/secret/predictions", json=text), 201
            )
            file = await ok(
                await alice.post(
                    "/v1/files", files={"content": ("notes.txt", b"hers", "text/plain")}
                ),
                201,
            )
            for owner, model, version in (
                ("alice", "alice/private", PRIVATE_V),
                ("acme", "acme/secret", SECRET_V),
            ):
                deployment = {
                    "name": "prod",
                    "owner": owner,
                    "model": model,
                    "version": version,
                    "hardware": "cpu",
                    "min_instances": 0,
                    "max_instances": 1,
                }
                await ok(await alice.post("/v1/deployments", json=deployment), 201)
            token = await ok(await alice.post("/v1/tokens", json={"name": "ci"}), 201)
            # Ended, so that its stream replays and ends (the other stays queued).
            org_prediction = await ok(
                await alice.post(f"/v1/predictions/{org_prediction['id']}/cancel")
            )
        yield World(context, transport, prediction, org_prediction, file, token)


def alices_routes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route that names one of alice's (or acme's) things, as bob could call it."""
    prediction = world.prediction["id"]
    org_prediction = world.org_prediction["id"]
    file = world.file["id"]
    body = {"input": {"text": "x"}}
    routes: list[tuple[str, str, dict[str, Any]]] = []
    for model, version in (("alice/private", PRIVATE_V), ("acme/secret", SECRET_V)):
        routes += [
            ("GET", f"/v1/models/{model}", {}),
            ("PATCH", f"/v1/models/{model}", {"json": {"description": "mine"}}),
            ("DELETE", f"/v1/models/{model}", {}),
            ("GET", f"/v1/models/{model}/versions", {}),
            ("GET", f"/v1/models/{model}/versions/{version}", {}),
            ("DELETE", f"/v1/models/{model}/versions/{version}", {}),
            ("GET", f"/v1/models/{model}/cover", {}),
            ("POST", f"/v1/models/{model}/predictions", {"json": body}),
            ("POST", "/v1/predictions", {"json": {**body, "version": version}}),
            ("POST", "/v1/predictions", {"json": {**body, "version": f"{model}:{version}"}}),
            ("POST", "/v1/predictions", {"json": {**body, "version": model}}),
        ]
    for model, version in (("alice/public", PUBLIC_V),):
        routes += [  # seen and run by all, changed by its owner only
            ("PATCH", f"/v1/models/{model}", {"json": {"visibility": "private"}}),
            ("DELETE", f"/v1/models/{model}", {}),
            ("DELETE", f"/v1/models/{model}/versions/{version}", {}),
        ]
    for owner in ("alice", "acme"):
        routes += [
            ("POST", "/v1/models", {"json": {"owner": owner, "name": "new", "hardware": "cpu"}}),
            ("POST", "/v1/models", {"json": {"owner": owner, "name": "private"}}),
            ("GET", f"/v1/deployments/{owner}/prod", {}),
            ("PATCH", f"/v1/deployments/{owner}/prod", {"json": {"max_instances": 2}}),
            ("DELETE", f"/v1/deployments/{owner}/prod", {}),
            ("POST", f"/v1/deployments/{owner}/prod/predictions", {"json": body}),
        ]
    for one in (prediction, org_prediction):
        routes += [
            ("GET", f"/v1/predictions/{one}", {}),
            ("POST", f"/v1/predictions/{one}/cancel", {}),
            ("GET", f"/v1/predictions/{one}/stream", {}),
        ]
    routes += [
        ("GET", f"/v1/files/{file}", {}),
        ("DELETE", f"/v1/files/{file}", {}),
        ("GET", f"/v1/files/{file}/download", {}),
        ("DELETE", f"/v1/tokens/{world.token['id']}", {}),
    ]
    return routes


async def test_bob_reaches_none_of_alices_things(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        answers = {
            f"{method} {path} {json.dumps(kwargs)}": (await bob.request(method, path, **kwargs))
            for method, path, kwargs in alices_routes(world)
        }

    assert {name: a.status_code for name, a in answers.items() if a.status_code != 404} == {}
    for answer in answers.values():
        assert "secret" not in answer.text.replace("acme/secret", "")  # no input, no output


async def test_bobs_attempts_changed_nothing(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        for method, path, kwargs in alices_routes(world):
            await bob.request(method, path, **kwargs)

    async with world.client(ALICE_TOKEN) as alice:
        for model in ("alice/private", "alice/public", "acme/secret"):
            got = await ok(await alice.get(f"/v1/models/{model}"))
            assert got["description"] is None
            assert got["latest_version"] is not None
        assert (await ok(await alice.get("/v1/models/alice/public")))["visibility"] == "public"
        prediction = await ok(await alice.get(f"/v1/predictions/{world.prediction['id']}"))
        assert prediction["status"] == "starting"
        await ok(await alice.get(f"/v1/files/{world.file['id']}"))
        for owner in ("alice", "acme"):
            release = (await ok(await alice.get(f"/v1/deployments/{owner}/prod")))[
                "current_release"
            ]
            assert release["number"] == 1
        assert world.token["id"] in [
            t["id"] for t in (await ok(await alice.get("/v1/tokens")))["results"]
        ]
    assert await world.context.store.accounts.by_username("new") is None


async def test_alice_reaches_all_of_them(world: World) -> None:
    """The same routes, read-only ones, answer alice: bob's 404s are about bob. (Not the queued
    prediction's stream, which would not end; nor the private covers, which are not served
    there.)"""
    queued_stream = f"/v1/predictions/{world.prediction['id']}/stream"
    reads = [
        (m, p, k)
        for m, p, k in alices_routes(world)
        if m == "GET" and "/cover" not in p and p != queued_stream
    ]
    async with world.client(ALICE_TOKEN) as alice:
        statuses = {p: (await alice.request(m, p, **k)).status_code for m, p, k in reads}

    assert set(statuses.values()) == {200}


async def test_a_hidden_model_answers_as_a_missing_one(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        hidden = (await bob.get("/v1/models/alice/private")).json()
        missing = (await bob.get("/v1/models/alice/nothing-yet")).json()
        taken = (await bob.post("/v1/models", json={"owner": "alice", "name": "private"})).json()
        free = (await bob.post("/v1/models", json={"owner": "alice", "name": "nothing-yet"})).json()

    assert hidden["detail"].replace("private", "nothing-yet") == missing["detail"]
    assert {**hidden, "detail": ""} == {**missing, "detail": ""}
    assert taken == free  # not a 409 that would say alice/private exists


async def test_lists_show_bob_only_public_models_and_his_own_things(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        models = (await ok(await bob.get("/v1/models")))["results"]
        lists = {
            path: (await ok(await bob.get(path)))["results"]
            for path in ("/v1/predictions", "/v1/files", "/v1/deployments", "/v1/tokens")
        }

    assert [f"{m['owner']}/{m['name']}" for m in models] == ["alice/public"]
    assert {path: len(items) for path, items in lists.items()} == {
        "/v1/predictions": 0,
        "/v1/files": 0,
        "/v1/deployments": 0,
        "/v1/tokens": 1,  # his own bootstrap one
    }


async def test_alice_lists_her_own_and_her_organizations(world: World) -> None:
    async with world.client(ALICE_TOKEN) as alice:
        models = (await ok(await alice.get("/v1/models")))["results"]
        deployments = (await ok(await alice.get("/v1/deployments")))["results"]

    assert {f"{m['owner']}/{m['name']}" for m in models} == {
        "alice/private",
        "alice/public",
        "acme/secret",
    }
    assert {f"{d['owner']}/{d['name']}" for d in deployments} == {"alice/prod", "acme/prod"}


async def test_a_new_member_sees_the_organizations_things_and_no_more(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        assert (await bob.get("/v1/models/acme/secret")).status_code == 404
        await world.context.store.accounts.add_member("acme", "bob")  # while bob's token is cached

        assert (await bob.get("/v1/models/acme/secret")).status_code == 200
        assert (await bob.get("/v1/deployments/acme/prod")).status_code == 200
        assert (await bob.get("/v1/models/alice/private")).status_code == 404
        assert (await bob.get("/v1/deployments/alice/prod")).status_code == 404
        theirs = world.org_prediction["id"]
        assert (await bob.get(f"/v1/predictions/{theirs}")).status_code == 404  # alice's own


async def test_bob_runs_alices_public_model_but_cannot_deploy_it(world: World) -> None:
    deployment = {
        "name": "mine",
        "model": "alice/public",
        "version": PUBLIC_V,
        "hardware": "cpu",
        "min_instances": 0,
        "max_instances": 1,
    }
    async with world.client(BOB_TOKEN) as bob:
        run = await bob.post("/v1/models/alice/public/predictions", json={"input": {"text": "x"}})
        deployed = await bob.post("/v1/deployments", json=deployment)
        hidden = await bob.post(
            "/v1/deployments", json={**deployment, "model": "alice/private", "version": PRIVATE_V}
        )
        as_acme = await bob.post("/v1/deployments", json={**deployment, "owner": "acme"})

    assert run.status_code == 201
    assert deployed.status_code == 422
    assert "not yours to deploy" in deployed.json()["detail"]
    assert hidden.json()["errors"][0] == {
        "field": "model",
        "message": "model alice/private not found",
    }
    assert as_acme.json()["errors"][0]["field"] == "owner"


async def test_signed_urls_open_only_what_they_were_made_for(world: World) -> None:
    async with world.client(ALICE_TOKEN) as alice:
        private = await ok(await alice.get("/v1/models/alice/private"))
    stream = urlsplit(world.org_prediction["urls"]["stream"])
    download = urlsplit(world.file["urls"]["download"])
    other = world.prediction["id"]

    async with world.client(None) as anyone:
        cover = await anyone.get(private["cover_image_url"])  # a signed blob URL
        own_stream = await anyone.get(f"{stream.path}?{stream.query}")
        other_stream = await anyone.get(f"/v1/predictions/{other}/stream?{stream.query}")
        own_download = await anyone.get(f"{download.path}?{download.query}")
        query = parse_qs(download.query)
        as_bob = await anyone.get(
            download.path,
            params={
                "owner": "bob",
                "expiry": query["expiry"][0],
                "signature": query["signature"][0],
            },
        )
        unsigned_cover = await anyone.get("/v1/models/alice/private/cover")

    assert "/v1/blobs/covers/" in private["cover_image_url"]
    assert (cover.status_code, cover.content) == (200, PNG)
    assert own_stream.status_code == 200
    assert other_stream.status_code == 401
    assert (own_download.status_code, own_download.content) == (200, b"hers")
    assert as_bob.status_code == 401
    assert unsigned_cover.status_code == 404


async def test_a_private_model_turned_public_is_seen_and_back_again_is_not(world: World) -> None:
    async with world.client(ALICE_TOKEN) as alice, world.client(BOB_TOKEN) as bob:
        opened = await ok(
            await alice.patch("/v1/models/alice/private", json={"visibility": "public"})
        )
        seen = await bob.get("/v1/models/alice/private")
        cover = await bob.get("/v1/models/alice/private/cover")
        await ok(await alice.patch("/v1/models/alice/private", json={"visibility": "private"}))
        hidden = await bob.get("/v1/models/alice/private")

    assert opened["visibility"] == "public"
    assert opened["cover_image_url"] == "http://mimeo.test/v1/models/alice/private/cover"
    assert (seen.status_code, cover.status_code, hidden.status_code) == (200, 200, 404)


async def test_a_public_model_made_private_cannot_be_run_by_another_account_at_once(
    world: World,
) -> None:
    """Creating a prediction reuses a model read up to a second ago; a write on this node is
    not waited out."""
    text = {"input": {"text": "x"}}
    async with world.client(ALICE_TOKEN) as alice, world.client(BOB_TOKEN) as bob:
        before = await bob.post("/v1/models/alice/public/predictions", json=text)
        await ok(await alice.patch("/v1/models/alice/public", json={"visibility": "private"}))
        after = await bob.post("/v1/models/alice/public/predictions", json=text)
        by_name = await bob.post("/v1/predictions", json={**text, "version": "alice/public"})
        own = await alice.post("/v1/models/alice/public/predictions", json=text)

    assert before.status_code == 201
    assert (after.status_code, by_name.status_code) == (404, 404)
    assert own.status_code == 201


async def test_the_owner_updates_a_model_as_replicate_does(world: World) -> None:
    change = {
        "description": "Detect hot dogs",
        "github_url": "https://github.com/alice/hot-dog",
        "paper_url": "https://arxiv.org/abs/2504.17639",
        "license_url": "https://choosealicense.com/licenses/mit/",
        "hardware": "gpu-t4",
    }
    async with world.client(ALICE_TOKEN) as alice:
        updated = await ok(await alice.patch("/v1/models/alice/public", json=change))
        cleared = await ok(await alice.patch("/v1/models/alice/public", json={"paper_url": None}))
        bad = await alice.patch("/v1/models/alice/public", json={"visibility": "secret"})
        unset = await alice.patch("/v1/models/alice/public", json={"hardware": None})
        unknown = await alice.patch("/v1/models/alice/public", json={"hardware": "gpu-tpu"})

    assert {k: updated[k] for k in change if k != "hardware"} == {
        k: v for k, v in change.items() if k != "hardware"
    }
    model = await world.context.store.catalog.get_model("alice", "public")
    assert model.hardware == "gpu-t4"
    assert (cleared["paper_url"], cleared["description"]) == (None, "Detect hot dogs")
    assert [a.status_code for a in (bad, unset, unknown)] == [422, 422, 422]


async def test_pushing_to_another_accounts_namespace_is_refused_before_the_upload(
    world: World,
) -> None:
    _version, archive = pack(FIXTURES / "echo", json.dumps(TEXT_SCHEMA).encode())
    headers = {"Content-Type": "application/gzip"}
    async with world.client(BOB_TOKEN) as bob, world.client(ALICE_TOKEN) as alice:
        refused = [
            await bob.post(f"/v1/models/{model}/versions", content=archive, headers=headers)
            for model in ("alice/public", "alice/private", "alice/brand-new", "acme/secret")
        ]
        own = await bob.post(
            "/v1/models/bob/echo/versions",
            content=archive,
            headers=headers,
            params={"visibility": "private"},
        )
        new_org = await bob.post(
            "/v1/models/bobs-lab/echo/versions", content=archive, headers=headers
        )
        alice_sees = [
            await alice.get(path) for path in ("/v1/models/bob/echo", "/v1/models/bobs-lab/echo")
        ]

    assert [r.status_code for r in refused] == [404, 404, 404, 404]
    assert len({r.json()["detail"] for r in refused}) == 2  # one for alice, one for acme
    assert (own.status_code, new_org.status_code) == (201, 201)
    assert [a.status_code for a in alice_sees] == [404, 200]  # private; public by default
    lab = await world.context.store.accounts.entry("bobs-lab")
    assert (lab.account.type, lab.members) == ("organization", ("bob",))


async def test_metrics_and_administrators_routes_refuse_bob(world: World) -> None:
    async with world.client(BOB_TOKEN) as bob:
        answers = [
            await bob.get("/metrics"),
            await bob.get("/v1/admin/accounts"),
            await bob.get("/v1/admin/accounts/alice"),
            await bob.post("/v1/admin/accounts", json={"username": "mallory", "admin": True}),
            await bob.put("/v1/admin/accounts/acme/members/bob"),
            await bob.post("/v1/admin/accounts/alice/disable"),
            await bob.get("/v1/admin/workers"),
        ]

    assert [a.status_code for a in answers] == [401] * len(answers)
    assert await world.context.store.accounts.by_username("mallory") is None
