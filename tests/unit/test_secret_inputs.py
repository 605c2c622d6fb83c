"""``cog.Secret`` inputs: which fields hold one, how the input shows them, and that no
validation message or relayed text quotes them (``mimeo.core.secret_inputs``)."""

from __future__ import annotations

from typing import Any

import pytest

from mimeo.core.errors import InvalidInput
from mimeo.core.protocol import Finished
from mimeo.core.secret_inputs import (
    REDACTED,
    reveal,
    scrub,
    secret_fields,
    secret_texts,
    split_secrets,
)
from mimeo.core.validation import validate_input
from mimeo.runtime.cog_events import Completed, Log
from mimeo.worker.relay import Relay

SECRET = "sk-0123456789"
# The shapes Cog's generator gives a Secret (format, writeOnly, x-cog-secret), an Optional one,
# a list of them, and one behind a reference; ``plain`` is an ordinary string.
SCHEMA: dict[str, Any] = {
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {
                        "type": "string",
                        "format": "password",
                        "writeOnly": True,
                        "x-cog-secret": True,
                        "minLength": 4,
                    },
                    "maybe": {"type": "string", "x-cog-secret": True, "nullable": True},
                    "keys": {"type": "array", "items": {"type": "string", "format": "password"}},
                    "choice": {"allOf": [{"$ref": "#/components/schemas/choice"}]},
                    "plain": {"type": "string", "enum": ["a", "b"]},
                },
            },
            "choice": {"type": "string", "enum": ["x", "y"], "x-cog-secret": True},
            "Output": {"type": "string"},
        }
    }
}


def test_secret_fields_are_found_in_every_shape_cog_gives_them() -> None:
    assert secret_fields(SCHEMA) == {"token", "maybe", "keys", "choice"}


def test_a_schema_without_secrets_has_none() -> None:
    assert secret_fields({"components": {"schemas": {"Input": {"properties": {}}}}}) == set()
    assert secret_fields({}) == set()


def test_the_kept_input_shows_secrets_redacted_and_reveal_puts_them_back() -> None:
    given = {"token": SECRET, "keys": ["k1", "k2"], "plain": "a"}

    kept, taken = split_secrets(secret_fields(SCHEMA), given)

    assert kept == {"token": REDACTED, "keys": [REDACTED, REDACTED], "plain": "a"}
    assert taken == {"token": SECRET, "keys": ["k1", "k2"]}
    assert reveal(kept, taken) == given


@pytest.mark.parametrize(
    "given",
    [
        {"token": "abc"},  # too short
        {"token": SECRET, "choice": SECRET},  # not one of the choices
        {"token": SECRET, "keys": ["ok", 12345678]},  # an item of the wrong type
    ],
)
def test_a_refused_secret_is_not_quoted_in_the_422(given: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_input(SCHEMA, given)

    texts = [refused.value.detail, *(e.message for e in refused.value.errors)]
    assert not any(str(value) in text for text in texts for value in ["abc", SECRET, 12345678])


def test_an_ordinary_field_is_still_quoted() -> None:
    with pytest.raises(InvalidInput, match="'c' is not one of"):
        validate_input(SCHEMA, {"token": SECRET, "plain": "c"})


def test_scrub_replaces_each_secret_longest_first() -> None:
    secrets = secret_texts({"token": "abc", "keys": ["abcdef", None, ""]})

    assert secrets == ["abcdef", "abc"]
    assert scrub("x abcdef y abc", secrets) == f"x {REDACTED} y {REDACTED}"


def test_the_relay_scrubs_logs_and_errors_but_leaves_the_output() -> None:
    relay = Relay("wkr_a", iterator_output=False, secrets=[SECRET])
    relay.add(Log(f"the library printed {SECRET}\n"))
    relay.add(Completed("failed", output=SECRET, error=f"input rejected: {SECRET!r}"))

    report = relay.take().report

    assert isinstance(report, Finished)
    assert SECRET not in report.logs
    assert REDACTED in report.logs
    assert report.outcome.error == f"input rejected: '{REDACTED}'"
    assert report.outcome.output == SECRET


def test_a_failure_mimeo_reports_is_scrubbed_too() -> None:
    relay = Relay("wkr_a", iterator_output=False, secrets=[SECRET])
    relay.fail(f"the model server answered 400: {SECRET}", logs=f"tail {SECRET}")

    report = relay.take().report

    assert isinstance(report, Finished)
    assert SECRET not in (report.outcome.error or "") + report.logs
