"""``data:`` URIs: what Cog sends files as, parsed strictly enough to tell text from files."""

from __future__ import annotations

from mimeo.core.data_uris import DataUri, file_extension, parse_data_uri, to_data_uri


def test_a_base64_uri_round_trips() -> None:
    uri = to_data_uri("image/png", b"\x89PNG\x00")

    assert parse_data_uri(uri) == DataUri("image/png", b"\x89PNG\x00")


def test_a_percent_encoded_uri_is_decoded() -> None:
    assert parse_data_uri("data:text/plain,hello%20world") == DataUri("text/plain", b"hello world")


def test_a_missing_media_type_defaults_to_octet_stream() -> None:
    assert parse_data_uri("data:;base64,aGk=") == DataUri("application/octet-stream", b"hi")


def test_text_that_only_looks_like_a_data_uri_is_not_one() -> None:
    assert parse_data_uri("data:image/png;base64,@@not base64@@") is None
    assert parse_data_uri("data without a comma") is None
    assert parse_data_uri("https://example.com/x.png") is None


def test_file_extensions_cover_the_types_cog_sends() -> None:
    assert file_extension("image/png") == ".png"
    assert file_extension("audio/wav") == ".wav"  # unknown to mimetypes before Python 3.13
    assert file_extension("audio/mpeg") == ".mp3"
    assert file_extension("application/x-unheard-of") == ""
