"""Identifiers in Replicate's shapes (``mimeo.core.ids``)."""

from __future__ import annotations

import hashlib
import re

from mimeo.core.ids import new_api_token, new_prediction_id, new_worker_id, token_digest


def test_a_prediction_id_is_26_lowercase_base32_characters() -> None:
    assert re.fullmatch(r"[a-z2-7]{26}", new_prediction_id())


def test_prediction_ids_do_not_repeat() -> None:
    assert len({new_prediction_id() for _ in range(1000)}) == 1000


def test_an_api_token_has_replicates_r8_prefix() -> None:
    assert re.fullmatch(r"r8_[A-Za-z0-9_-]{40}", new_api_token())


def test_api_tokens_do_not_repeat() -> None:
    assert new_api_token() != new_api_token()


def test_a_worker_id_is_prefixed_and_fits_the_lease_owner_column() -> None:
    worker_id = new_worker_id()

    assert re.fullmatch(r"wkr_[a-z2-7]{16}", worker_id)
    assert len(worker_id) <= 40


def test_a_token_is_stored_as_its_sha256_hex_digest() -> None:
    assert token_digest("r8_secret") == hashlib.sha256(b"r8_secret").hexdigest()


def test_different_tokens_have_different_digests() -> None:
    assert token_digest("r8_a") != token_digest("r8_b")
