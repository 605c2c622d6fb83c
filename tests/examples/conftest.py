"""The bundled examples, pushed to the session's server as ``mimeo serve`` pushes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import EXAMPLES, MimeoServer


@pytest.fixture(scope="session")
def push_example(mimeo_server: MimeoServer) -> Callable[[str], str]:
    """Push ``examples/<name>`` as the model ``examples/<name>``; returns ``owner/name:version``,
    what the client's ``run`` takes."""

    def push(name: str) -> str:
        version = mimeo_server.push(EXAMPLES / name, f"examples/{name}")
        return f"examples/{name}:{version}"

    return push
