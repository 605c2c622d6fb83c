"""Bearer and Token auth; 401 problems; the /v1/v1 alias for clients configured with /v1."""

from __future__ import annotations

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import MimeoServer


def test_a_wrong_token_gives_401(mimeo_server: MimeoServer) -> None:
    wrong = replicate.Client(api_token="not-a-real-token", base_url=mimeo_server.url)

    with pytest.raises(ReplicateError) as raised:
        wrong.models.list()
    wrong._client.close()

    assert raised.value.status == 401


def test_no_token_gives_a_401_problem(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        answer = http.get("/v1/predictions", headers={"Authorization": ""})

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["title"] == "Unauthenticated"


def test_the_older_token_scheme_is_accepted(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        answer = http.get("/v1/account", headers={"Authorization": f"Token {mimeo_server.token}"})

    assert answer.status_code == 200
    assert answer.json()["username"] == "admin"


def test_a_base_url_ending_in_v1_still_works(mimeo_server: MimeoServer) -> None:
    doubled = replicate.Client(api_token=mimeo_server.token, base_url=f"{mimeo_server.url}/v1")

    assert doubled.accounts.current().username == "admin"
    doubled._client.close()


def test_hardware_is_a_bare_list(client: replicate.Client) -> None:
    assert "cpu" in [h.sku for h in client.hardware.list()]
