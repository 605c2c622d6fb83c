"""Every input kind of the fixture predictors, as ``mimeo push`` describes it, gets a widget:
a Cog type the form generator does not know fails here (``UnsupportedInput``), never renders
as nothing on a model page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import replicate

from mimeo.web.forms import Widget, input_form

W = Widget
EXPECTED = {
    "all-inputs": {
        "prompt": W.TEXTAREA,
        "text": W.TEXTAREA,
        "count": W.INTEGER,
        "scale": W.NUMBER,
        "flag": W.BOOLEAN,
        "path": W.FILE,
        "file": W.FILE,
        "secret": W.SECRET,
        "words": W.LIST,
        "numbers": W.LIST,
        "maybe": W.TEXT,
        "color": W.SELECT,
        "size": W.SELECT,
        "code": W.TEXT,
        "name": W.TEXT,
    },
    "schema-details": {"image": W.FILE, "weights": W.FILE, "label": W.TEXT},
    "optional-inputs": {"bare": W.TEXT, "note": W.TEXT, "either": W.JSON},
    "web-demo": {
        "prompt": W.TEXTAREA,
        "image": W.FILE,
        "steps": W.INTEGER,
        "palette": W.SELECT,
        "extra": W.FILES,
    },
    "stream": {"n": W.INTEGER, "delay": W.NUMBER},
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_fixture_input_gets_its_widget(
    fixture: str, push_fixture: Callable[[str], str], client: replicate.Client
) -> None:
    push_fixture(fixture)
    schema = client.models.get(f"fixtures/{fixture}").latest_version.openapi_schema

    form = input_form(schema)

    assert {f.name: f.widget for f in form.fields} == EXPECTED[fixture]


def test_the_fixtures_cover_every_widget() -> None:
    assert {w for widgets in EXPECTED.values() for w in widgets.values()} == set(Widget)
