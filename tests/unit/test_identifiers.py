"""Model references: ``owner/name[:version]`` (``mimeo.core.identifiers``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mimeo.core.errors import InvalidRequest
from mimeo.core.identifiers import ModelRef, check_name

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"

names = st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,99}\Z")
versions = st.none() | st.from_regex(r"\A[0-9a-f]{64}\Z")


def test_owner_and_name_parse_without_a_version() -> None:
    assert ModelRef.parse("stability-ai/sdxl") == ModelRef("stability-ai", "sdxl", None)


def test_a_version_follows_a_colon() -> None:
    assert ModelRef.parse(f"stability-ai/sdxl:{VERSION}").version == VERSION


def test_an_empty_version_means_no_version() -> None:
    assert ModelRef.parse("stability-ai/sdxl:").version is None


def test_full_name_leaves_out_the_version() -> None:
    assert ModelRef("meta", "llama", VERSION).full_name == "meta/llama"


@given(names, names, versions)
def test_a_reference_survives_str_and_parse(owner: str, name: str, version: str | None) -> None:
    ref = ModelRef(owner, name, version)

    assert ModelRef.parse(str(ref)) == ref


@pytest.mark.parametrize(
    "text",
    ["sdxl", "/sdxl", "stability-ai/", "", ":" + VERSION],
)
def test_a_reference_without_owner_and_name_is_rejected(text: str) -> None:
    with pytest.raises(InvalidRequest, match="not a model reference"):
        ModelRef.parse(text)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Stability-AI/sdxl", "owner"),
        ("-owner/sdxl", "owner"),
        ("owner/SDXL", "model name"),
        ("owner/.hidden", "model name"),
        ("owner/a/b", "model name"),
        ("owner/with space", "model name"),
        ("owner/" + "x" * 101, "model name"),
    ],
)
def test_a_bad_owner_or_name_is_rejected_naming_which(text: str, what: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{what} "):
        ModelRef.parse(text)


@pytest.mark.parametrize("version", ["latest", VERSION[:-1], VERSION.upper(), VERSION + "0"])
def test_a_version_that_is_not_64_hex_characters_is_rejected(version: str) -> None:
    with pytest.raises(InvalidRequest, match="not a version id"):
        ModelRef.parse(f"owner/name:{version}")


def test_a_name_of_100_characters_is_the_longest_allowed() -> None:
    assert check_name("model name", "x" * 100) == "x" * 100
