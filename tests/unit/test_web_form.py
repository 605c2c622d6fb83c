"""The form a schema asks for (``mimeo.web.forms``) and a submitted form back to an input
(``mimeo.web.submission``), on schemas built the way ``mimeo push`` builds them."""

from __future__ import annotations

from typing import Any

import pytest

from mimeo.runtime.openapi import build_schema
from mimeo.web.forms import FormField, UnsupportedInput, Widget, input_form
from mimeo.web.readme import readme_html
from mimeo.web.snippets import snippets
from mimeo.web.submission import form_input
from tests.unit.test_openapi import FACTS, fact

JSON = dict[str, Any]


def fields(schema: JSON) -> dict[str, FormField]:
    return input_form(schema).by_name()


def test_every_input_kind_cog_declares_gets_its_widget() -> None:
    form = fields(build_schema(FACTS))

    assert {name: f.widget for name, f in form.items()} == {
        "prompt": Widget.TEXTAREA,
        "num_steps": Widget.INTEGER,
        "guidance": Widget.NUMBER,
        "color": Widget.SELECT,
        "size": Widget.SELECT,
        "code": Widget.TEXT,
        "name": Widget.TEXT,
        "seed": Widget.INTEGER,
        "note": Widget.TEXT,
        "api_key": Widget.SECRET,
        "old": Widget.BOOLEAN,
        "image": Widget.FILE,
        "either": Widget.JSON,
    }


def test_fields_keep_x_order_and_mark_the_required() -> None:
    schema = build_schema(FACTS)
    form = input_form(schema)

    assert [f.name for f in form.fields] == [i["name"] for i in FACTS["inputs"]]
    required = schema["components"]["schemas"]["Input"]["required"]
    assert [f.name for f in form.fields if f.required] == required


def test_bounds_defaults_choices_and_accept_reach_the_widgets() -> None:
    form = fields(build_schema(FACTS))

    assert (form["num_steps"].minimum, form["num_steps"].maximum, form["num_steps"].slider) == (
        1,
        50,
        True,
    )
    assert form["seed"].slider is False
    assert form["size"].choices == (1, 2, 4)
    assert form["size"].default == 2
    assert (form["name"].min_length, form["name"].max_length) == (2, 8)
    assert form["code"].pattern == "^[a-z]+[0-9]*$"
    assert form["image"].accept == "image/*"
    assert form["old"].deprecated
    assert form["prompt"].description == "What to draw"


def test_lists_of_scalars_files_and_objects() -> None:
    schema = build_schema(
        {
            "inputs": [
                fact("words", {"type": "array", "items": {"type": "string"}}, default=[]),
                fact("numbers", {"type": "array", "items": {"type": "integer"}}, default=[1]),
                fact("images", {"type": "array", "items": {"type": "string", "format": "uri"}}),
                fact("messages", {"type": "array", "items": {"type": "object"}}),
                fact("data", {"type": "object"}),
            ],
            "output": {"type": "string"},
        }
    )
    form = fields(schema)

    assert [(f.widget, f.item_type) for f in form.values()] == [
        (Widget.LIST, "string"),
        (Widget.LIST, "integer"),
        (Widget.FILES, None),
        (Widget.JSON, None),
        (Widget.JSON, None),
    ]
    assert form["numbers"].default_text == "1"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "mystery"},
        {"title": "No type at all"},
        {"type": "array", "items": {"type": "mystery"}},
    ],
)
def test_a_type_the_form_does_not_know_fails_loudly(schema: JSON) -> None:
    built = build_schema({"inputs": [fact("odd", schema)], "output": {"type": "string"}})

    with pytest.raises(UnsupportedInput, match="odd"):
        input_form(built)


def test_a_submitted_form_becomes_the_input_the_api_takes() -> None:
    form = input_form(build_schema(FACTS))
    submitted = {
        "prompt": ["a cat"],
        "num_steps": ["25"],
        "guidance": ["7.5"],
        "color": ["green"],
        "size": ["4"],
        "code": [""],
        "seed": [""],
        "note": ["n"],
        "api_key": ["s3cret"],
        "old": ["false", "true"],
        "either": ['"text"'],
    }

    assert form_input(form, submitted) == {
        "prompt": "a cat",
        "num_steps": 25,
        "guidance": 7.5,
        "color": "green",
        "size": 4,
        "note": "n",
        "api_key": "s3cret",
        "old": True,
        "either": "text",
    }


def test_values_that_do_not_parse_go_on_for_validation_to_refuse() -> None:
    form = input_form(build_schema(FACTS))

    assert form_input(form, {"num_steps": ["many"], "either": ["{oops"]}) == {
        "num_steps": "many",
        "either": "{oops",
    }


def test_snippets_name_this_server_and_the_inputs() -> None:
    python, javascript, curl = snippets("http://mimeo.test", "alice/echo", {"text": "hi"})

    assert "base_url='http://mimeo.test'" in python.code
    assert "'text': 'hi'" in python.code
    assert 'baseUrl: "http://mimeo.test/v1"' in javascript.code
    assert "http://mimeo.test/v1/models/alice/echo/predictions" in curl.code
    assert """'{"input": {"text": "hi"}}'""" in curl.code


def test_a_readme_is_rendered_without_its_raw_html() -> None:
    html = readme_html("# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")

    assert html is not None
    assert "<h1>Title</h1>" in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html


def test_no_readme_is_none_for_the_page_to_say_so() -> None:
    assert readme_html(None) is None
    assert readme_html("  \n") is None
