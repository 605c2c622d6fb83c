"""Deployments through the official client: create, get, list, update, delete, and running one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import replicate
from replicate.deployment import Deployment
from replicate.exceptions import ReplicateError

from tests.conftest import MimeoServer

OWNER = "admin"
"""The session server's account: deployments belong to the caller's username."""


@pytest.fixture(scope="module")
def echo_version(push_fixture: Callable[[str], str]) -> str:
    return push_fixture("echo")


@pytest.fixture
def deployment(client: replicate.Client, echo_version: str) -> Iterator[Deployment]:
    """A fresh deployment of fixtures/echo on CPU, deleted after the test if still there."""
    created = client.deployments.create(
        name=f"echo-{uuid.uuid4().hex[:8]}",
        model="fixtures/echo",
        version=echo_version,
        hardware="cpu",
        min_instances=0,
        max_instances=2,
    )
    yield created
    try:
        client.deployments.delete(created.owner, created.name)
    except ReplicateError as error:
        if error.status != 404:
            raise


def test_a_created_deployment_is_its_first_release(
    deployment: Deployment, echo_version: str
) -> None:
    release = deployment.current_release

    assert deployment.owner == OWNER
    assert release is not None
    assert (release.number, release.model, release.version) == (1, "fixtures/echo", echo_version)
    assert (
        release.configuration.hardware,
        release.configuration.min_instances,
        release.configuration.max_instances,
    ) == ("cpu", 0, 2)
    assert release.created_by is not None
    assert release.created_by.username == OWNER


def test_create_answers_201_with_a_release_date(
    mimeo_server: MimeoServer, echo_version: str
) -> None:
    body = {
        "name": f"raw-{uuid.uuid4().hex[:8]}",
        "model": "fixtures/echo",
        "version": echo_version,
        "hardware": "cpu",
        "min_instances": 0,
        "max_instances": 1,
    }
    with mimeo_server.http() as http:
        answer = http.post("/v1/deployments", json=body)
        http.delete(f"/v1/deployments/{OWNER}/{body['name']}")

    assert answer.status_code == 201
    assert answer.json()["current_release"]["created_at"].endswith("Z")


def test_get_returns_the_deployment(client: replicate.Client, deployment: Deployment) -> None:
    fetched = client.deployments.get(deployment.id)

    assert fetched == deployment


def test_list_includes_the_deployment(client: replicate.Client, deployment: Deployment) -> None:
    listed = client.deployments.list()

    assert deployment.id in [d.id for d in listed.results]


def test_an_update_makes_the_next_release(
    client: replicate.Client, deployment: Deployment, echo_version: str
) -> None:
    updated = client.deployments.update(
        deployment.owner, deployment.name, hardware="gpu-t4", max_instances=4
    )

    release = updated.current_release
    assert release is not None
    assert release.number == 2
    assert release.version == echo_version
    assert (release.configuration.hardware, release.configuration.max_instances) == ("gpu-t4", 4)
    assert client.deployments.get(deployment.id).current_release == release


def test_an_update_to_a_version_of_another_model_is_a_422(
    client: replicate.Client, deployment: Deployment, push_fixture: Callable[[str], str]
) -> None:
    other = push_fixture("sleep")

    with pytest.raises(ReplicateError) as raised:
        client.deployments.update(deployment.owner, deployment.name, version=other)

    assert raised.value.status == 422
    assert "not a version of fixtures/echo" in str(raised.value.detail)


def test_a_deleted_deployment_is_not_found(
    client: replicate.Client, deployment: Deployment
) -> None:
    assert client.deployments.delete(deployment.owner, deployment.name) is True

    with pytest.raises(ReplicateError) as raised:
        client.deployments.get(deployment.id)
    assert raised.value.status == 404


def test_a_missing_deployment_is_not_found(client: replicate.Client) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.deployments.get(f"{OWNER}/no-such-deployment")

    assert raised.value.status == 404


def test_unknown_hardware_is_a_422_listing_the_known_skus(
    mimeo_server: MimeoServer, echo_version: str
) -> None:
    body = {
        "name": "on-a-tpu",
        "model": "fixtures/echo",
        "version": echo_version,
        "hardware": "tpu-v5",
        "min_instances": 0,
        "max_instances": 1,
    }
    with mimeo_server.http() as http:
        answer = http.post("/v1/deployments", json=body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    [error] = answer.json()["errors"]
    assert error["field"] == "hardware"
    assert "gpu-t4" in error["message"]


def test_every_bad_field_of_a_new_deployment_is_reported(mimeo_server: MimeoServer) -> None:
    body = {
        "name": "Bad Name",
        "model": "fixtures/no-such-model",
        "version": "0" * 64,
        "hardware": "cpu",
        "min_instances": -1,
        "max_instances": 0,
    }
    with mimeo_server.http() as http:
        answer = http.post("/v1/deployments", json=body)

    assert answer.status_code == 422
    fields = [e["field"] for e in answer.json()["errors"]]
    assert fields == ["name", "min_instances", "max_instances", "model"]


def test_a_version_the_model_does_not_have_is_a_422(
    client: replicate.Client, echo_version: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.deployments.create(
            name="wrong-version",
            model="fixtures/echo",
            version="0" * 64,
            hardware="cpu",
            min_instances=0,
            max_instances=1,
        )

    assert raised.value.status == 422
    assert "version" in str(raised.value.detail)


def test_a_second_deployment_of_the_same_name_is_a_conflict(
    client: replicate.Client, deployment: Deployment, echo_version: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.deployments.create(
            name=deployment.name,
            model="fixtures/echo",
            version=echo_version,
            hardware="cpu",
            min_instances=0,
            max_instances=1,
        )

    assert raised.value.status == 409


def test_a_deployment_prediction_runs_the_release_version(
    mimeo_server: MimeoServer, deployment: Deployment, echo_version: str
) -> None:
    prediction = deployment.predictions.create(input={"text": "deployed"})
    prediction.wait()

    assert prediction.status == "succeeded"
    assert prediction.output == "deployed"
    with mimeo_server.http() as http:
        body = http.get(f"/v1/predictions/{prediction.id}").json()
    assert body["deployment"] == deployment.id
    assert (body["model"], body["version"]) == ("fixtures/echo", echo_version)


def test_a_deployment_prediction_validates_its_input(
    client: replicate.Client, deployment: Deployment
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.deployments.predictions.create(deployment.id, input={"wrong": 1})

    assert raised.value.status == 422


def test_a_deployment_prediction_can_wait(
    mimeo_server: MimeoServer, deployment: Deployment
) -> None:
    with mimeo_server.http() as http:
        answer = http.post(
            f"/v1/deployments/{deployment.id}/predictions",
            json={"input": {"text": "waited"}},
            headers={"Prefer": "wait"},
        )

    assert answer.status_code == 201
    assert answer.headers["Preference-Applied"].startswith("wait")
    assert (answer.json()["status"], answer.json()["output"]) == ("succeeded", "waited")


def test_a_model_prediction_has_no_deployment(mimeo_server: MimeoServer, echo_version: str) -> None:
    with mimeo_server.http() as http:
        body = http.post(
            "/v1/models/fixtures/echo/predictions",
            json={"input": {"text": "direct"}},
            headers={"Prefer": "wait"},
        ).json()

    assert body["deployment"] is None
