"""Schema details Cog's build writes, checked on the version mimeo stores: ``x-cog-accept`` on
file inputs that name accepted types (and ``accept`` on any other input fails the push, as it
fails ``cog build``), and a TypedDict output as an object with its fields. The output itself
equals the bare Cog server's. The fixture is tests/fixtures/schema-details.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
import replicate

from tests.compat.conftest import BareCog, Push, attempt_push
from tests.conftest import FIXTURES, MimeoServer

pytestmark = pytest.mark.slow

PNG_BYTES = "data:image/png;base64," + base64.b64encode(b"not really a png").decode()


@pytest.fixture(scope="module")
def version(push_fixture: Push) -> str:
    return push_fixture("schema-details")


@pytest.fixture(scope="module")
def schemas(client: replicate.Client, version: str) -> dict[str, Any]:
    schema = client.models.get("fixtures/schema-details").versions.get(version).openapi_schema
    found: dict[str, Any] = schema["components"]["schemas"]
    return found


def test_a_file_input_carries_the_types_it_accepts(schemas: dict[str, Any]) -> None:
    properties = schemas["Input"]["properties"]

    assert properties["image"]["x-cog-accept"] == "image/*"
    assert properties["weights"]["x-cog-accept"] == ".safetensors,.bin"
    assert "x-cog-accept" not in properties["label"]


def test_a_typed_dict_output_lists_its_fields_and_the_required_ones(
    schemas: dict[str, Any],
) -> None:
    assert schemas["Output"] == {
        "title": "Output",
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Name"},
            "count": {"type": "integer", "title": "Count"},
        },
        "required": ["name"],
    }


def test_a_typed_dict_output_equals_the_bare_cog_server(
    client: replicate.Client, version: str, bare_cog: BareCog
) -> None:
    payload = {"image": PNG_BYTES, "label": "alice"}

    through_mimeo = client.run(f"fixtures/schema-details:{version}", input=payload)

    assert through_mimeo == bare_cog.output("schema-details", payload)
    assert through_mimeo == {"name": "alice", "count": 16}


def test_accept_on_an_input_that_is_not_a_file_fails_the_push(
    mimeo_server: MimeoServer, tmp_path: Path
) -> None:
    model = tmp_path / "accept-on-str"
    shutil.copytree(FIXTURES / "schema-details", model)
    source = (model / "predict.py").read_text()
    (model / "predict.py").write_text(
        source.replace('default="alice"', 'default="alice", accept="text/plain"')
    )

    pushed = attempt_push(mimeo_server, model, "fixtures/accept-on-str")

    assert pushed.returncode != 0
    assert "ValueError: input label: accept is only valid on Path or File inputs" in pushed.stderr
