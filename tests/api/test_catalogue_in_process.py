"""The catalogue through an in-process app (``ASGITransport``): what needs two accounts, the
operator's token or prediction outcomes written directly — READMEs from pushes, examples,
collections, search — read by the unchanged ``replicate`` client's async methods where it has
them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import replicate

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli import collections as cli
from mimeo.cli.example_collections import file_examples
from mimeo.cli.platform import platform
from mimeo.core.errors import MimeoError
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.readme import MAX_README_BYTES
from mimeo.core.records import Account, Model, NewPrediction, Prediction
from mimeo.core.status import PredictionStatus
from mimeo.runtime.archive import pack
from mimeo.settings import Settings
from tests.in_process import TEXT_SCHEMA, add_text_version, api_client

WORKER_TOKEN = "worker-token"
ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
VERSION_ID = "7" * 64
PARTS = ("readme", "examples")


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport
    alice: Account
    bob: Account
    echo: Model

    def client(self, token: str | None = ALICE_TOKEN) -> httpx.AsyncClient:
        return api_client(self.transport, token)

    def official(self, token: str = ALICE_TOKEN) -> replicate.Client:
        """The unchanged client; only its async methods can use an in-process transport."""
        return replicate.Client(
            api_token=token, base_url="http://mimeo.test", transport=self.transport
        )

    async def prediction(
        self, status: PredictionStatus, model: str = "alice/echo", account: int | None = None
    ) -> Prediction:
        """A prediction of ``model`` by alice (unless told) that ended with ``status``."""
        queue = self.context.queue
        new = NewPrediction(
            id=new_prediction_id(),
            account_id=self.alice.id if account is None else account,
            model=model,
            version=VERSION_ID,
            input={"text": "hi"},
            hardware=CPU,
        )
        await queue.enqueue(new)
        claim = await queue.claim("wkr_test")
        assert claim is not None
        assert claim.prediction.id == new.id
        if status == PredictionStatus.CANCELED:
            return await queue.cancel(new.id)
        return await queue.finish(new.id, "wkr_test", status, output="hi")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """alice's public alice/echo (one version), bob's private bob/secret, both described."""
    settings = Settings(data_dir=tmp_path, worker_token=WORKER_TOKEN)
    async with platform(settings, "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", ALICE_TOKEN)
        bob = await store.accounts.ensure("bob", BOB_TOKEN)
        echo = await store.catalog.create_model(
            alice.id, "alice", "echo", description="Says text back"
        )
        await add_text_version(store.catalog, echo, VERSION_ID)
        await store.catalog.create_model(
            bob.id, "bob", "secret", visibility="private", description="Echo for bob"
        )
        yield App(context, httpx.ASGITransport(create_app(context)), alice, bob, echo)


def archive(directory: Path, readme: bytes | None) -> bytes:
    directory.mkdir(exist_ok=True)
    (directory / "cog.yaml").write_text('predict: "predict.py:Predictor"\n')
    (directory / "predict.py").write_text("# a predictor\n")
    if readme is not None:
        (directory / "README.md").write_bytes(readme)
    else:
        (directory / "README.md").unlink(missing_ok=True)
    return pack(directory, json.dumps(TEXT_SCHEMA).encode())[1]


async def test_a_pushed_readme_is_served_as_markdown_text(app: App, tmp_path: Path) -> None:
    async with app.client() as alice:
        missing = await alice.get("/v1/models/alice/pushed/readme")
        await alice.post("/v1/models/alice/pushed/versions", content=archive(tmp_path / "m", None))
        none_yet = await alice.get("/v1/models/alice/pushed/readme")
        pushed = await alice.post(
            "/v1/models/alice/pushed/versions",
            content=archive(tmp_path / "m", "# Pushed\n\nÀ model.\x00".encode()),
        )
        await alice.post("/v1/models/alice/pushed/versions", content=archive(tmp_path / "m", None))
        readme = await alice.get("/v1/models/alice/pushed/readme")

    assert missing.status_code == 404
    assert none_yet.status_code == 404
    assert none_yet.json()["detail"] == "Model alice/pushed has no README"
    assert pushed.status_code == 201
    assert readme.status_code == 200
    assert readme.headers["content-type"] == "text/plain; charset=utf-8"
    assert readme.text == "# Pushed\n\nÀ model."


async def test_a_private_models_readme_and_examples_are_its_owners_alone(app: App) -> None:
    secret = await app.context.store.catalog.get_model("bob", "secret")
    await app.context.store.catalog.set_readme(secret, "# Secret")
    async with app.client() as alice, app.client(BOB_TOKEN) as bob:
        answers = [await alice.get(f"/v1/models/bob/secret/{part}") for part in PARTS]
        owners = [await bob.get(f"/v1/models/bob/secret/{part}") for part in PARTS]

    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json()["detail"] == "Model bob/secret not found"
    assert [a.status_code for a in owners] == [200, 200]


async def test_a_readme_over_the_cap_is_kept_cut(app: App, tmp_path: Path) -> None:
    huge = b"#" * (MAX_README_BYTES + 10)
    async with app.client() as alice:
        await alice.post("/v1/models/alice/big/versions", content=archive(tmp_path / "b", huge))
        readme = await alice.get("/v1/models/alice/big/readme")

    assert len(readme.content) == MAX_README_BYTES


async def test_the_owner_marks_examples_and_everyone_lists_them(app: App) -> None:
    first = await app.prediction(PredictionStatus.SUCCEEDED)
    second = await app.prediction(PredictionStatus.SUCCEEDED)
    async with app.client() as alice, app.client(BOB_TOKEN) as bob:
        for prediction in (first, second):
            marked = await alice.post(
                "/v1/models/alice/echo/examples", json={"prediction": prediction.id}
            )
            assert marked.status_code == 201, marked.text
        listed = (await bob.get("/v1/models/alice/echo/examples")).json()
        by_bob = await bob.delete(f"/v1/models/alice/echo/examples/{first.id}")
        removed = await alice.delete(f"/v1/models/alice/echo/examples/{second.id}")
        again = await alice.delete(f"/v1/models/alice/echo/examples/{second.id}")
        model = await app.official(BOB_TOKEN).models.async_get("alice/echo")

    assert marked.json()["id"] == second.id
    assert [p["id"] for p in listed["results"]] == [second.id, first.id]
    assert listed["results"][0]["urls"]["get"].endswith(f"/v1/predictions/{second.id}")
    assert (listed["next"], listed["previous"]) == (None, None)
    assert by_bob.status_code == 404
    assert (removed.status_code, again.status_code) == (204, 404)
    assert model.default_example is not None
    assert model.default_example.id == first.id
    assert model.default_example.output == "hi"


async def test_only_a_succeeded_prediction_of_the_model_by_its_owner_is_an_example(
    app: App,
) -> None:
    failed = await app.prediction(PredictionStatus.FAILED)
    other_model = await app.prediction(PredictionStatus.SUCCEEDED, model="alice/other")
    bobs = await app.prediction(PredictionStatus.SUCCEEDED, account=app.bob.id)
    async with app.client() as alice, app.client(BOB_TOKEN) as bob:
        refused = [
            await alice.post("/v1/models/alice/echo/examples", json={"prediction": p.id})
            for p in (failed, other_model, bobs)
        ]
        not_owner = await bob.post("/v1/models/alice/echo/examples", json={"prediction": bobs.id})

    assert [r.status_code for r in refused] == [422, 422, 404]
    assert refused[0].json()["errors"][0]["field"] == "prediction"
    assert "not of alice/echo" in refused[1].json()["detail"]
    assert not_owner.status_code == 404


async def test_operators_curate_collections_that_callers_read(app: App) -> None:
    async with app.client(WORKER_TOKEN) as operator, app.client() as alice:
        refused = await alice.put("/v1/admin/collections/echoes", json={"name": "Echoes"})
        await cli.save_collection(operator, "echoes", "Echoes", "Models that repeat")
        saved = await cli.save_collection(operator, "echoes", "Echoes", "Repeaters", "## All")
        await cli.add_model(operator, "echoes", "alice/echo")
        await cli.add_model(operator, "echoes", "bob/secret")
        await cli.save_collection(operator, "empty", "Empty", "")
        await cli.delete_collection(operator, "empty")
        missing = await alice.get("/v1/collections/empty")

    official = app.official()
    listed = await official.collections.async_list()
    echoes = await official.collections.async_get("echoes")
    seen_by_bob = await app.official(BOB_TOKEN).collections.async_get("echoes")

    assert refused.status_code == 401
    assert saved == {
        "name": "Echoes",
        "slug": "echoes",
        "description": "Repeaters",
        "full_description": "## All",
    }
    assert missing.status_code == 404
    assert [(c.slug, c.name, c.description) for c in listed.results] == [
        ("echoes", "Echoes", "Repeaters")
    ]
    assert [f"{m.owner}/{m.name}" for m in echoes] == ["alice/echo"]
    assert echoes.models is not None
    assert echoes.models[0].latest_version is not None
    assert [f"{m.owner}/{m.name}" for m in seen_by_bob] == ["alice/echo", "bob/secret"]


async def test_removing_a_model_from_a_collection(app: App) -> None:
    async with app.client(WORKER_TOKEN) as operator, app.client() as alice:
        await cli.save_collection(operator, "echoes", "Echoes", "")
        await cli.add_model(operator, "echoes", "alice/echo")
        await cli.remove_model(operator, "echoes", "alice/echo")
        with pytest.raises(MimeoError, match="404"):
            await cli.remove_model(operator, "echoes", "alice/echo")
        answer = (await alice.get("/v1/collections/echoes")).json()

    assert answer["models"] == []
    assert answer["full_description"] is None


async def test_query_models_searches_as_both_official_clients_send_it(app: App) -> None:
    found = await app.official().models.async_search("says TEXT")
    async with app.client(BOB_TOKEN) as bob:
        as_json_string = (
            await bob.request(
                "QUERY",
                "/v1/models",
                content=json.dumps("echo"),
                headers={"Content-Type": "text/plain"},
            )
        ).json()
        empty = await bob.request("QUERY", "/v1/models", content=b" ")

    assert [f"{m.owner}/{m.name}" for m in found.results] == ["alice/echo"]
    assert {m["name"] for m in as_json_string["results"]} == {"echo", "secret"}
    assert as_json_string["next"] is None
    assert empty.status_code == 400


async def test_search_answers_replicates_shape_and_needs_no_token(app: App) -> None:
    async with app.client(WORKER_TOKEN) as operator:
        await cli.save_collection(operator, "echoes", "Echoes", "Models that echo")
        await cli.add_model(operator, "echoes", "alice/echo")
    async with (
        app.client(token=None) as anonymous,
        app.client(BOB_TOKEN) as bob,
        app.client("r8_wrong") as stranger,
    ):
        answer = (await anonymous.get("/v1/search", params={"query": "echo"})).json()
        for_bob = (await bob.get("/v1/search", params={"query": "echo", "limit": 1})).json()
        no_query = await anonymous.get("/v1/search")
        too_many = await anonymous.get("/v1/search", params={"query": "echo", "limit": 51})
        bad_token = await stranger.get("/v1/search", params={"query": "echo"})

    assert answer["query"] == "echo"
    assert answer["pages"] == []
    assert [m["model"]["name"] for m in answer["models"]] == ["echo"]
    assert answer["models"][0]["metadata"] == {
        "generated_description": None,
        "tags": ["echoes"],
        "score": 8.0,
    }
    assert answer["collections"] == [
        {
            "name": "Echoes",
            "slug": "echoes",
            "description": "Models that echo",
            "models": ["alice/echo"],
        }
    ]
    assert len(for_bob["models"]) == 1
    assert no_query.status_code == 400
    assert no_query.json()["detail"] == 'Query parameter "query" is required'
    assert too_many.status_code == 422
    assert bad_token.status_code == 401


async def test_serve_files_the_bundled_examples_by_task_idempotently(app: App) -> None:
    store = app.context.store
    for name in ("hello-world", "image-filter"):
        await store.catalog.create_model(app.alice.id, "examples", name)

    await file_examples(store, "examples", ["hello-world", "image-filter"])
    await file_examples(store, "examples", ["hello-world", "piper-tts"])

    collections = (await store.collections.page(None)).results
    text = await store.collections.models_in(await store.collections.get("text"), None)
    assert sorted(c.slug for c in collections) == ["image", "text"]
    assert [m.full_name for m in text] == ["examples/hello-world"]
