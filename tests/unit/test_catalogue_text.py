"""What a README push keeps and a README edit refuses, and what a search text asks for."""

from __future__ import annotations

import pytest

from mimeo.core.errors import InvalidInput
from mimeo.core.readme import MAX_README_BYTES, checked_readme, pushed_readme
from mimeo.core.search_terms import MAX_TERMS, query_text, relevance, search_terms


def test_a_pushed_readme_is_text_cut_at_the_cap() -> None:
    assert pushed_readme(b"# A\xff\x00") == "# A\ufffd"
    assert pushed_readme("é".encode() * MAX_README_BYTES) == "é" * (MAX_README_BYTES // 2)
    assert pushed_readme(b"a" + "é".encode() * MAX_README_BYTES).endswith("\ufffd")


def test_an_edited_readme_over_the_cap_is_refused_on_its_field() -> None:
    assert checked_readme("# ok\x00") == "# ok"
    with pytest.raises(InvalidInput) as refused:
        checked_readme("a" * (MAX_README_BYTES + 1))
    assert refused.value.errors[0].field == "readme"


def test_search_terms_are_distinct_lowercase_words_without_wildcards() -> None:
    assert search_terms("Nano-Banana nano_banana 100% x") == ["nano", "banana", "100", "x"]
    assert search_terms("%_ -- ") == []
    assert len(search_terms(" ".join(f"w{i}" for i in range(20)))) == MAX_TERMS
    assert relevance(9, ["a", "b"]) == 4.5


def test_a_query_body_is_the_text_or_a_json_string_holding_it() -> None:
    assert query_text(b'"nano banana"') == "nano banana"
    assert query_text(b"nano banana") == "nano banana"
    assert query_text(b'"unterminated') == '"unterminated'
    assert query_text(b"[" * 100_000) == "[" * 100_000
