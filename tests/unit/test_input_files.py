"""Finding and replacing the files a prediction's input names, by the version's schema."""

from __future__ import annotations

from typing import Any

from mimeo.core.input_files import file_fields, file_urls, replace_urls

SCHEMA: dict[str, Any] = {
    "components": {
        "schemas": {
            "Input": {
                "properties": {
                    "image": {"type": "string", "format": "uri"},
                    "masks": {"type": "array", "items": {"type": "string", "format": "uri"}},
                    "caption": {"type": "string"},
                }
            }
        }
    }
}


def test_file_fields_are_uri_strings_and_lists_of_them() -> None:
    assert file_fields(SCHEMA) == {"image", "masks"}


def test_file_urls_lists_every_file_named() -> None:
    given = {"image": "https://a/1.png", "masks": ["https://a/2.png"], "caption": "https://x"}

    assert file_urls(SCHEMA, given) == [("image", "https://a/1.png"), ("masks", "https://a/2.png")]


def test_replace_urls_leaves_other_fields_alone() -> None:
    given = {"image": "u1", "masks": ["u1", "u2"], "caption": "u1"}

    replaced = replace_urls(SCHEMA, given, {"u1": "ref"})

    assert replaced == {"image": "ref", "masks": ["ref", "u2"], "caption": "u1"}
