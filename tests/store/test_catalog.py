"""Models and their versions (``store.catalog``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from mimeo.core.errors import Conflict, NotFound
from mimeo.core.records import Account, Model, Version
from mimeo.store.catalog import RUNNABLE_SECONDS, RecentModels
from mimeo.store.store import Store

V1 = "1" * 64
V2 = "2" * 64
V3 = "3" * 64


AddVersion = Callable[[Model, str], Awaitable[Version]]


@pytest.fixture
def add_version(store: Store) -> AddVersion:
    async def add(model: Model, version_id: str) -> Version:
        return await store.catalog.add_version(
            model,
            version_id,
            cog_version="0.16.9",
            openapi_schema={"openapi": "3.0.2", "version": version_id},
            build={"python_version": "3.12"},
            archive_key=f"archives/{version_id}.tar.gz",
        )

    return add


async def test_a_new_model_has_replicates_defaults(model: Model) -> None:
    assert (model.owner, model.name, model.full_name) == ("alice", "echo", "alice/echo")
    assert (model.visibility, model.hardware, model.run_count) == ("public", "cpu", 0)
    assert model.latest_version is None


async def test_a_model_is_created_with_the_given_fields(store: Store, account: Account) -> None:
    created = await store.catalog.create_model(
        account.id, "alice", "sdxl", description="Draws", visibility="private", hardware=None
    )

    assert (created.description, created.visibility, created.hardware) == (
        "Draws",
        "private",
        "cpu",
    )


async def test_a_model_is_found_by_owner_and_name(store: Store, model: Model) -> None:
    assert await store.catalog.get_model("alice", "echo") == model


async def test_a_second_model_of_the_same_name_is_a_conflict(
    store: Store, account: Account, model: Model
) -> None:
    with pytest.raises(Conflict, match="alice/echo already exists"):
        await store.catalog.create_model(account.id, "alice", "echo")


async def test_getting_an_unknown_model_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.catalog.get_model("alice", "nothing")


async def test_finding_an_unknown_model_is_none(store: Store) -> None:
    assert await store.catalog.find_model("alice", "nothing") is None


async def test_a_new_version_becomes_the_latest(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    version = await add_version(model, V1)

    assert (await store.catalog.get_model("alice", "echo")).latest_version == version


async def test_a_version_keeps_its_schema_and_build(model: Model, add_version: AddVersion) -> None:
    version = await add_version(model, V1)

    assert version.openapi_schema == {"openapi": "3.0.2", "version": V1}
    assert version.build == {"python_version": "3.12"}
    assert version.created_at.tzinfo is not None


async def test_the_latest_version_is_the_last_one_added(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    await add_version(model, V1)
    await add_version(model, V2)

    latest = (await store.catalog.get_model("alice", "echo")).latest_version
    assert latest is not None
    assert latest.id == V2


async def test_adding_an_existing_version_again_returns_it_and_makes_it_latest(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    first = await add_version(model, V1)
    await add_version(model, V2)

    again = await add_version(model, V1)

    assert again == first
    assert [v.id for v in (await store.catalog.list_versions(model, None)).results] == [V2, V1]
    latest = (await store.catalog.get_model("alice", "echo")).latest_version
    assert latest is not None
    assert latest.id == V1


async def test_versions_are_listed_newest_first(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    for version_id in (V1, V2, V3):
        await add_version(model, version_id)

    page = await store.catalog.list_versions(model, None)

    assert [v.id for v in page.results] == [V3, V2, V1]
    assert (page.next, page.previous) == (None, None)


async def test_a_bare_version_id_finds_its_model(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    added = await add_version(model, V1)

    found_model, found_version = await store.catalog.find_version(V1, viewer=None)

    assert (found_model.full_name, found_version) == ("alice/echo", added)


async def test_an_unknown_version_is_not_found(store: Store, model: Model) -> None:
    with pytest.raises(NotFound):
        await store.catalog.get_version(model, V1)


async def test_a_model_with_versions_cannot_be_deleted(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    await add_version(model, V1)

    with pytest.raises(Conflict, match="delete them first"):
        await store.catalog.delete_model("alice", "echo")


async def test_a_model_without_versions_can_be_deleted(store: Store, model: Model) -> None:
    await store.catalog.delete_model("alice", "echo")

    assert await store.catalog.find_model("alice", "echo") is None


async def test_deleting_the_latest_version_makes_the_newest_remaining_one_latest(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    await add_version(model, V1)
    await add_version(model, V2)

    await store.catalog.delete_version(model, V2)

    latest = (await store.catalog.get_model("alice", "echo")).latest_version
    assert latest is not None
    assert latest.id == V1


async def test_deleting_the_only_version_leaves_no_latest(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    await add_version(model, V1)

    await store.catalog.delete_version(model, V1)

    assert (await store.catalog.get_model("alice", "echo")).latest_version is None


async def test_deleting_an_unknown_version_is_not_found(store: Store, model: Model) -> None:
    with pytest.raises(NotFound):
        await store.catalog.delete_version(model, V1)


async def test_the_same_version_id_may_belong_to_two_models(
    store: Store, account: Account, model: Model, add_version: AddVersion
) -> None:
    other = await store.catalog.create_model(account.id, "alice", "copy")
    await add_version(model, V1)
    await add_version(other, V1)

    await store.catalog.delete_version(other, V1)

    assert (await store.catalog.get_version(model, V1)).id == V1


async def test_a_model_to_run_has_the_version_pushed_a_moment_ago(
    store: Store, model: Model, add_version: AddVersion
) -> None:
    await add_version(model, V1)
    assert (await store.catalog.model_to_run("alice", "echo")).latest_version is not None
    await add_version(model, V2)

    latest = (await store.catalog.model_to_run("alice", "echo")).latest_version

    assert latest is not None
    assert latest.id == V2


async def test_a_model_to_run_follows_its_owners_changes_at_once(
    store: Store, model: Model
) -> None:
    await store.catalog.model_to_run("alice", "echo")
    await store.catalog.update_model(model, visibility="private", hardware="gpu-t4")

    again = await store.catalog.model_to_run("alice", "echo")

    assert (again.visibility, again.hardware) == ("private", "gpu-t4")


async def test_a_deleted_model_is_not_run(store: Store, model: Model) -> None:
    await store.catalog.model_to_run("alice", "echo")
    await store.catalog.delete_model("alice", "echo")

    with pytest.raises(NotFound):
        await store.catalog.model_to_run("alice", "echo")


def test_a_kept_model_is_read_again_after_its_second(model: Model) -> None:
    now = [100.0]
    recent = RecentModels(clock=lambda: now[0])
    recent.keep(model, recent.generation)

    assert recent.get("alice", "echo") == model
    now[0] += RUNNABLE_SECONDS
    assert recent.get("alice", "echo") is None


def test_a_read_that_a_write_overtook_is_not_kept(model: Model) -> None:
    recent = RecentModels()
    read_began = recent.generation
    recent.forget()  # a write committed while the read was under way

    recent.keep(model, read_began)

    assert recent.get("alice", "echo") is None
