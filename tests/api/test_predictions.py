"""Predictions through the official client: create, get, list, cancel, wait."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import MimeoServer

TERMINAL = {"succeeded", "failed", "canceled"}


@pytest.fixture(scope="module")
def echo_version(push_fixture: Callable[[str], str]) -> str:
    return push_fixture("echo")


@pytest.fixture(scope="module")
def sleep_version(push_fixture: Callable[[str], str]) -> str:
    return push_fixture("sleep")


def test_create_by_version_id_queues_then_succeeds(
    client: replicate.Client, echo_version: str
) -> None:
    prediction = client.predictions.create(version=echo_version, input={"text": "queued"})

    assert prediction.status in {"starting", "processing", "succeeded"}
    prediction.wait()
    assert prediction.status == "succeeded"
    assert prediction.output == "queued"


def test_create_by_owner_name_and_version(client: replicate.Client, echo_version: str) -> None:
    prediction = client.predictions.create(
        version=f"fixtures/echo:{echo_version}", input={"text": "qualified"}
    )
    prediction.wait()

    assert prediction.output == "qualified"
    assert prediction.model == "fixtures/echo"
    assert prediction.version == echo_version


def test_a_finished_prediction_carries_every_replicate_field(
    client: replicate.Client, echo_version: str
) -> None:
    prediction = client.predictions.create(version=echo_version, input={"text": "fields"})
    prediction.wait()

    assert prediction.created_at
    assert prediction.started_at
    assert prediction.completed_at
    assert prediction.created_at <= prediction.started_at <= prediction.completed_at
    assert prediction.metrics is not None
    assert prediction.metrics["predict_time"] >= 0
    assert prediction.metrics["total_time"] >= prediction.metrics["predict_time"]
    assert set(prediction.urls) >= {"get", "cancel", "stream", "web"}
    assert prediction.urls["get"].endswith(f"/v1/predictions/{prediction.id}")


def test_the_raw_prediction_object_has_source_and_data_removed(
    mimeo_server: MimeoServer, echo_version: str
) -> None:
    with mimeo_server.http() as http:
        body = http.post(
            "/v1/predictions",
            json={"version": echo_version, "input": {"text": "raw"}},
            headers={"Prefer": "wait"},
        ).json()

    assert body["source"] == "api"
    assert body["data_removed"] is False
    assert body["urls"]["stream"].startswith(mimeo_server.url)


def test_get_returns_the_prediction_by_id(client: replicate.Client, echo_version: str) -> None:
    created = client.predictions.create(version=echo_version, input={"text": "fetch me"})
    created.wait()

    fetched = client.predictions.get(created.id)

    assert fetched.id == created.id
    assert fetched.output == "fetch me"
    assert fetched.input == {"text": "fetch me"}


def test_get_of_an_unknown_prediction_is_404(client: replicate.Client) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.get("doesnotexist0000000000000")

    assert raised.value.status == 404


def test_list_is_newest_first_and_pages_with_next(
    client: replicate.Client, echo_version: str
) -> None:
    created = [
        client.predictions.create(version=echo_version, input={"text": f"page {i}"})
        for i in range(3)
    ]

    first_page = client.predictions.list()
    ids = [p.id for p in first_page.results]

    assert ids.index(created[2].id) < ids.index(created[1].id) < ids.index(created[0].id)


def test_list_follows_cursor_pages_without_repeats(
    mimeo_server: MimeoServer, echo_version: str
) -> None:
    with mimeo_server.http() as http:
        for i in range(5):
            http.post("/v1/predictions", json={"version": echo_version, "input": {"text": str(i)}})
        seen: list[str] = []
        url: str | None = "/v1/predictions?page_size=2"
        while url:
            page = http.get(url).json()
            assert len(page["results"]) <= 2
            seen += [p["id"] for p in page["results"]]
            url = page["next"]

    assert len(seen) == len(set(seen)) >= 5


def test_cancel_of_a_running_prediction_ends_it_canceled(
    client: replicate.Client, sleep_version: str
) -> None:
    prediction = client.predictions.create(version=sleep_version, input={"seconds": 30})

    client.predictions.cancel(prediction.id)
    prediction.wait()

    assert prediction.status == "canceled"
    assert prediction.completed_at is not None


def test_prefer_wait_answers_with_the_finished_prediction(
    mimeo_server: MimeoServer, echo_version: str
) -> None:
    with mimeo_server.http() as http:
        answer = http.post(
            "/v1/predictions",
            json={"version": echo_version, "input": {"text": "waited"}},
            headers={"Prefer": "wait"},
        )

    assert answer.status_code == 201
    assert answer.json()["status"] == "succeeded"
    assert answer.json()["output"] == "waited"
    assert answer.headers["Preference-Applied"].startswith("wait")


def test_prefer_wait_n_returns_the_running_prediction_after_n_seconds(
    mimeo_server: MimeoServer, sleep_version: str
) -> None:
    with mimeo_server.http() as http:
        answer = http.post(
            "/v1/predictions",
            json={"version": sleep_version, "input": {"seconds": 10}},
            headers={"Prefer": "wait=1"},
        )
        body = answer.json()
        http.post(f"/v1/predictions/{body['id']}/cancel")

    assert body["status"] in {"starting", "processing"}
    assert answer.elapsed.total_seconds() < 5


def test_invalid_input_is_rejected_with_422_before_queueing(
    client: replicate.Client, echo_version: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(version=echo_version, input={"text": 42})

    assert raised.value.status == 422
    assert "text" in (raised.value.detail or "")


def test_invalid_input_problem_names_each_bad_field(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("all-inputs")
    with mimeo_server.http() as http:
        answer = http.post(
            "/v1/predictions", json={"version": version, "input": {"count": 99, "color": "pink"}}
        )

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == 422
    assert problem["title"]
    fields = {error["field"] for error in problem["errors"]}
    assert fields == {"prompt", "count", "color"}


def test_prediction_of_an_unknown_version_is_a_clear_error(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        answer = http.post("/v1/predictions", json={"version": "f" * 64, "input": {}})

    assert answer.status_code in {404, 422}
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "version" in answer.json()["detail"].lower()


def test_the_web_url_of_a_prediction_answers(
    client: replicate.Client, mimeo_server: MimeoServer, echo_version: str
) -> None:
    prediction = client.predictions.create(version=echo_version, input={"text": "web"})

    with mimeo_server.http() as http:
        page = http.get(prediction.urls["web"], follow_redirects=True)

    assert page.status_code == 200
    assert page.json()["id"] == prediction.id
