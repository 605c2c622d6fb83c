"""Accounts over real HTTP, as a team uses them: the administrator (the session server's
bootstrap account) makes accounts with ``mimeo accounts``, each member gets its own token, and
the unchanged ``replicate`` client with those tokens sees what its account may see and no
more. ``mimeo tokens`` revokes a token, which answers 401 at once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import FIXTURES, MimeoServer
from tests.e2e.test_cli import mimeo, talking_to


@dataclass(frozen=True)
class Team:
    alice: str
    bob: str
    org: str
    tokens: dict[str, str]


def created(server: MimeoServer, *args: str) -> dict[str, Any]:
    result = mimeo("accounts", "create", *args, "--json", env=talking_to(server))
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@pytest.fixture(scope="module")
def team(mimeo_server: MimeoServer) -> Team:
    suffix = uuid.uuid4().hex[:8]
    names = {"alice": f"alice-{suffix}", "bob": f"bob-{suffix}", "org": f"lab-{suffix}"}
    tokens = {
        names["alice"]: created(mimeo_server, names["alice"])["token"],
        names["bob"]: created(mimeo_server, names["bob"])["token"],
        names["org"]: created(mimeo_server, names["org"], "--organization")["token"],
    }
    added = mimeo(
        "accounts", "add-member", names["org"], names["alice"], env=talking_to(mimeo_server)
    )
    assert added.returncode == 0, added.stderr
    return Team(names["alice"], names["bob"], names["org"], tokens)


@contextmanager
def client_of(server: MimeoServer, token: str) -> Iterator[replicate.Client]:
    official = replicate.Client(api_token=token, base_url=server.url)
    try:
        yield official
    finally:
        official._client.close()


def refused(call: Callable[[], object]) -> int | None:
    with pytest.raises(ReplicateError) as raised:
        call()
    return raised.value.status


def test_the_json_of_a_new_account_is_its_name_and_first_token(mimeo_server: MimeoServer) -> None:
    name = f"carol-{uuid.uuid4().hex[:8]}"

    answer = created(mimeo_server, name)

    assert set(answer) == {"username", "token"}
    assert answer["username"] == name
    with client_of(mimeo_server, answer["token"]) as carol:
        assert carol.accounts.current().username == name


def test_each_token_opens_its_own_account_as_replicate_answers(
    mimeo_server: MimeoServer, team: Team
) -> None:
    with client_of(mimeo_server, team.tokens[team.alice]) as alice:
        assert (alice.accounts.current().type, alice.accounts.current().username) == (
            "user",
            team.alice,
        )
    with client_of(mimeo_server, team.tokens[team.org]) as org:
        assert (org.accounts.current().type, org.accounts.current().username) == (
            "organization",
            team.org,
        )


def test_a_private_model_pushed_for_an_organization_is_its_members_alone(
    mimeo_server: MimeoServer, team: Team
) -> None:
    model = f"{team.org}/echo"
    pushed = mimeo(
        "push", str(FIXTURES / "echo"), "--model", model, "--private",
        env=talking_to(mimeo_server, team.tokens[team.alice]),
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr

    with client_of(mimeo_server, team.tokens[team.alice]) as alice:
        assert alice.run(model, input={"text": "ours"}) == "ours"
        assert alice.models.get(model).visibility == "private"
    with client_of(mimeo_server, team.tokens[team.bob]) as bob:
        assert refused(lambda: bob.models.get(model)) == 404
        assert refused(lambda: bob.run(model, input={"text": "x"})) == 404
        assert model not in [f"{m.owner}/{m.name}" for m in bob.models.list().results]
    with mimeo_server.http(team.tokens[team.bob]) as bob_http:
        assert bob_http.get(f"/v1/models/{model}/versions").status_code == 404


def test_a_revoked_token_answers_401_at_once(mimeo_server: MimeoServer, team: Team) -> None:
    as_alice = talking_to(mimeo_server, team.tokens[team.alice])
    made = mimeo("tokens", "create", "--name", "laptop", "--json", env=as_alice)
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)
    listed = json.loads(mimeo("tokens", "list", "--json", env=as_alice).stdout)
    assert token["id"] in [t["id"] for t in listed]

    with client_of(mimeo_server, token["token"]) as laptop:
        assert laptop.accounts.current().username == team.alice
        by_bob = mimeo(
            "tokens", "revoke", token["id"], env=talking_to(mimeo_server, team.tokens[team.bob])
        )
        revoked = mimeo("tokens", "revoke", token["id"], env=as_alice)

        assert by_bob.returncode == 1
        assert "404" in by_bob.stderr
        assert revoked.returncode == 0, revoked.stderr
        assert refused(laptop.accounts.current) == 401


def test_only_administrators_manage_accounts(mimeo_server: MimeoServer, team: Team) -> None:
    as_bob = talking_to(mimeo_server, team.tokens[team.bob])

    listing = mimeo("accounts", "list", env=as_bob)
    made = mimeo("accounts", "create", "mallory", "--admin", env=as_bob)
    admins_view = json.loads(
        mimeo("accounts", "list", "--json", env=talking_to(mimeo_server)).stdout
    )

    assert (listing.returncode, made.returncode) == (1, 1)
    assert "administrators" in listing.stderr
    org = next(a for a in admins_view if a["username"] == team.org)
    assert (org["type"], org["members"]) == ("organization", [team.alice])
    assert "mallory" not in [a["username"] for a in admins_view]
