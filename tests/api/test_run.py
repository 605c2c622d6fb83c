"""``replicate.run`` through mimeo gives what the Cog server gives."""

from __future__ import annotations

from collections.abc import Callable

import replicate


def test_run_by_model_name_returns_the_predictor_output(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")

    assert client.run("fixtures/echo", input={"text": "hello mimeo"}) == "hello mimeo"


def test_run_by_model_and_version_uses_that_version(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    assert client.run(f"fixtures/echo:{version}", input={"text": "pinned"}) == "pinned"
