"""Cog's own semantics, through mimeo, with the official client: what an unchanged predictor
receives, returns and reports is what the bare Cog server gives for it."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.compat.conftest import BareCog

Push = Callable[[str], str]
TEXT_FILE = "data:text/plain;base64," + base64.b64encode(b"twelve bytes").decode()


def run_all_inputs(client: replicate.Client, push: Push, **extra: Any) -> dict[str, Any]:
    push("all-inputs")
    output = client.run("fixtures/all-inputs", input={"prompt": "p", **extra})
    received: dict[str, Any] = json.loads(output)
    return received


def test_defaults_are_applied_when_inputs_are_omitted(
    client: replicate.Client, push_fixture: Push
) -> None:
    received = run_all_inputs(client, push_fixture)

    assert received == {
        "prompt": "p", "text": "hello", "count": 5, "scale": 0.5, "flag": False,
        "path": None, "file": None, "secret": None, "words": [], "numbers": [],
        "maybe": None, "color": "red", "size": 2, "code": "abc1", "name": "mimeo",
    }  # fmt: skip


def test_every_input_type_reaches_the_predictor(
    client: replicate.Client, push_fixture: Push
) -> None:
    received = run_all_inputs(
        client,
        push_fixture,
        text="t", count=10, scale=0.25, flag=True, path=TEXT_FILE, file=TEXT_FILE,
        secret="s3cret", words=["a", "b"], numbers=[1, 2], maybe="m", color="blue",
        size=4, code="xyz9", name="ab",
    )  # fmt: skip

    assert received["count"] == 10
    assert received["scale"] == 0.25
    assert received["flag"] is True
    assert received["path"] == {"length": 12}
    assert received["file"] == {"length": 12}
    assert received["secret"] == "s3cret"
    assert received["words"] == ["a", "b"]
    assert received["numbers"] == [1, 2]
    assert (received["maybe"], received["color"], received["size"]) == ("m", "blue", 4)
    assert (received["code"], received["name"]) == ("xyz9", "ab")


def test_an_integer_is_accepted_for_a_float_input(
    client: replicate.Client, push_fixture: Push
) -> None:
    assert run_all_inputs(client, push_fixture, scale=1)["scale"] == 1


@pytest.mark.parametrize(
    ("bad_input", "field"),
    [
        ({"count": 11}, "count"),
        ({"count": 0}, "count"),
        ({"scale": 1.5}, "scale"),
        ({"color": "pink"}, "color"),
        ({"size": 3}, "size"),
        ({"code": "ABC"}, "code"),
        ({"name": "a"}, "name"),
        ({"name": "far-too-long"}, "name"),
        ({"flag": "yes"}, "flag"),
        ({"numbers": ["one"]}, "numbers"),
        ({"path": "not a url"}, "path"),
    ],
)
def test_invalid_input_is_a_422_naming_the_field(
    client: replicate.Client, push_fixture: Push, bad_input: dict[str, Any], field: str
) -> None:
    push_fixture("all-inputs")

    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(
            version=push_fixture("all-inputs"), input={"prompt": "p", **bad_input}
        )

    assert raised.value.status == 422
    assert field in (raised.value.detail or "")


def test_a_missing_required_input_is_a_422(client: replicate.Client, push_fixture: Push) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(version=push_fixture("all-inputs"), input={})

    assert raised.value.status == 422
    assert "prompt" in (raised.value.detail or "")


@pytest.mark.parametrize(
    ("fixture", "payload"),
    [
        ("echo", {"text": "same"}),
        ("runner-echo", {"text": "runner"}),
        ("async-predictor", {"text": "async"}),
        ("outputs-int", {}),
        ("outputs-float", {}),
        ("outputs-bool", {}),
        ("outputs-list", {}),
        ("outputs-object", {}),
        ("setup-weights", {}),
        ("all-inputs", {"prompt": "p", "words": ["x"], "secret": "k", "path": TEXT_FILE}),
    ],
)
def test_output_equals_the_bare_cog_server(
    client: replicate.Client, push_fixture: Push, bare_cog: BareCog, fixture: str, payload: Any
) -> None:
    push_fixture(fixture)

    assert client.run(f"fixtures/{fixture}", input=payload) == bare_cog(fixture, payload)


def test_a_path_output_reads_back_as_its_bytes(
    client: replicate.Client, push_fixture: Push
) -> None:
    push_fixture("outputs-path")

    output = client.run("fixtures/outputs-path", input={})

    assert output.read() == b"hello from outputs-path\n"


def test_a_list_of_paths_reads_back_in_order(client: replicate.Client, push_fixture: Push) -> None:
    push_fixture("outputs-list-path")

    outputs = client.run("fixtures/outputs-list-path", input={})

    assert [o.read() for o in outputs] == [b"first\n", b"second\n"]


def test_a_setup_failure_fails_the_prediction_with_the_setup_logs(
    client: replicate.Client, push_fixture: Push
) -> None:
    """coglet 0.23.1 drops what setup() printed to stdout before dying (the bare server's
    health-check shows no more); the exception and coglet's own setup log are what exist."""
    prediction = client.predictions.create(version=push_fixture("setup-fails"), input={})
    prediction.wait()

    assert prediction.status == "failed"
    assert "setup" in (prediction.error or "").lower()
    assert "RuntimeError: weights are missing" in (prediction.logs or "")


def test_an_exception_in_predict_fails_with_its_message(
    client: replicate.Client, push_fixture: Push
) -> None:
    prediction = client.predictions.create(version=push_fixture("predict-raises"), input={})
    prediction.wait()

    assert prediction.status == "failed"
    assert prediction.error == "ValueError: bad things happened"  # as coglet words it
    assert "about to fail" in (prediction.logs or "")


def test_printed_lines_are_the_prediction_logs(
    client: replicate.Client, push_fixture: Push
) -> None:
    prediction = client.predictions.create(version=push_fixture("logs"), input={})
    prediction.wait()

    assert prediction.output == "done"
    for line in ("stdout line 1", "stdout line 2", "stdout line 3", "stderr line 1"):
        assert line in (prediction.logs or "")
