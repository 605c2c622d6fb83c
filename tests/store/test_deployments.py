"""Deployments and their releases (``store.deployments``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mimeo.core.errors import Conflict, NotFound
from mimeo.core.records import Account, Deployment, Model, Version
from mimeo.store.store import Store

V1 = "1" * 64
V2 = "2" * 64

AddVersion = Callable[..., Awaitable[Version]]
Deploy = Callable[..., Awaitable[Deployment]]


@pytest.fixture
def add_version(store: Store, model: Model) -> AddVersion:
    async def add(version_id: str, build: dict[str, Any] | None = None) -> Version:
        return await store.catalog.add_version(
            model,
            version_id,
            cog_version="0.16.9",
            openapi_schema={"openapi": "3.0.2"},
            build=build if build is not None else {"python_version": "3.12"},
            archive_key=f"archives/{version_id}.tar.gz",
        )

    return add


@pytest.fixture
def deploy(store: Store, account: Account, add_version: AddVersion) -> Deploy:
    """Deploy alice/echo as ``alice/<name>``; keyword arguments override the configuration."""

    async def create(name: str = "echo-prod", **overrides: Any) -> Deployment:
        values: dict[str, Any] = {
            "model": "alice/echo",
            "hardware": "cpu",
            "min_instances": 0,
            "max_instances": 2,
            **overrides,
        }
        if "version" not in values:
            values["version"] = await add_version(V1)
        owner = overrides.pop("owner", account.username)
        values.pop("owner", None)
        account_id = values.pop("account_id", account.id)
        return await store.deployments.create(account_id, owner, name, **values)

    return create


async def test_a_new_deployment_is_its_first_release(deploy: Deploy, account: Account) -> None:
    deployment = await deploy()

    assert (deployment.owner, deployment.name, deployment.full_name) == (
        "alice",
        "echo-prod",
        "alice/echo-prod",
    )
    assert deployment.account_id == account.id
    assert deployment.release_number == 1
    assert deployment.release_created_at == deployment.created_at
    assert (deployment.model, deployment.version, deployment.hardware) == ("alice/echo", V1, "cpu")
    assert (deployment.min_instances, deployment.max_instances) == (0, 2)


async def test_max_in_flight_is_max_instances_times_the_version_concurrency(
    deploy: Deploy, add_version: AddVersion
) -> None:
    version = await add_version(V2, {"concurrency": {"max": 4}})

    deployment = await deploy(version=version, max_instances=3)

    assert deployment.max_in_flight == 12


async def test_a_version_without_concurrency_runs_one_at_a_time(deploy: Deploy) -> None:
    deployment = await deploy(max_instances=3)

    assert deployment.max_in_flight == 3


async def test_a_second_deployment_of_the_same_name_is_a_conflict(deploy: Deploy) -> None:
    await deploy("twice")

    with pytest.raises(Conflict, match="alice/twice already exists"):
        await deploy("twice")


async def test_a_deployment_is_found_by_owner_and_name(store: Store, deploy: Deploy) -> None:
    deployment = await deploy()

    assert await store.deployments.get("alice", "echo-prod") == deployment


async def test_another_accounts_deployment_is_not_found(store: Store, deploy: Deploy) -> None:
    await deploy()
    bob = await store.accounts.ensure("bob", "r8_bob-token")

    with pytest.raises(NotFound):
        await store.deployments.get("alice", "echo-prod", bob.id)


async def test_getting_an_unknown_deployment_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="alice/nothing"):
        await store.deployments.get("alice", "nothing")


async def test_an_account_lists_only_its_deployments_newest_first(
    store: Store, account: Account, deploy: Deploy
) -> None:
    first = await deploy("first")
    second = await deploy("second")
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    await deploy("bobs", owner="bob", account_id=bob.id)

    page = await store.deployments.list_for_owners(["alice"], None)

    assert [d.name for d in page.results] == [second.name, first.name]
    assert (page.next, page.previous) == (None, None)


async def test_the_list_pages_with_cursors(store: Store, account: Account, deploy: Deploy) -> None:
    names = [f"d{i}" for i in range(5)]
    for name in names:
        await deploy(name)

    first = await store.deployments.list_for_owners(["alice"], None, page_size=2)
    second = await store.deployments.list_for_owners(["alice"], first.next, page_size=2)
    back = await store.deployments.list_for_owners(["alice"], second.previous, page_size=2)

    assert [d.name for d in first.results] == ["d4", "d3"]
    assert [d.name for d in second.results] == ["d2", "d1"]
    assert back.results == first.results


async def test_changing_the_configuration_makes_the_next_release(
    store: Store, deploy: Deploy
) -> None:
    deployment = await deploy()
    version = await store.catalog.get_version(
        await store.catalog.get_model("alice", "echo"), deployment.version
    )

    updated = await store.deployments.update(
        deployment, version=version, hardware="gpu-t4", min_instances=1, max_instances=4
    )

    assert updated.release_number == 2
    assert updated.release_created_at >= deployment.release_created_at
    assert (updated.hardware, updated.min_instances, updated.max_instances) == ("gpu-t4", 1, 4)
    assert updated.max_in_flight == 4
    assert await store.deployments.get("alice", "echo-prod") == updated


async def test_a_new_version_makes_the_next_release_with_its_concurrency(
    store: Store, deploy: Deploy, add_version: AddVersion
) -> None:
    deployment = await deploy(max_instances=2)
    version = await add_version(V2, {"concurrency": {"max": 5}})

    updated = await store.deployments.update(
        deployment, version=version, hardware="cpu", min_instances=0, max_instances=2
    )

    assert (updated.release_number, updated.version, updated.max_in_flight) == (2, V2, 10)


async def test_an_update_that_changes_nothing_keeps_the_release(
    store: Store, deploy: Deploy, add_version: AddVersion
) -> None:
    deployment = await deploy()
    version = await add_version(V1)

    same = await store.deployments.update(
        deployment, version=version, hardware="cpu", min_instances=0, max_instances=2
    )

    assert same.release_number == 1
    assert await store.deployments.get("alice", "echo-prod") == deployment


async def test_a_deleted_deployment_is_gone(store: Store, account: Account, deploy: Deploy) -> None:
    await deploy()

    await store.deployments.delete("alice", "echo-prod", account.id)

    with pytest.raises(NotFound):
        await store.deployments.get("alice", "echo-prod")


async def test_deleting_another_accounts_deployment_is_not_found(
    store: Store, deploy: Deploy
) -> None:
    await deploy()
    bob = await store.accounts.ensure("bob", "r8_bob-token")

    with pytest.raises(NotFound):
        await store.deployments.delete("alice", "echo-prod", bob.id)
    assert await store.deployments.get("alice", "echo-prod")


async def test_warm_deployments_are_those_with_min_instances_of_every_account(
    store: Store, deploy: Deploy
) -> None:
    await deploy("cold", min_instances=0)
    warm = await deploy("warm", min_instances=1)
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    bobs = await deploy("bobs-warm", owner="bob", account_id=bob.id, min_instances=2)

    assert await store.deployments.list_warm() == [warm, bobs]
