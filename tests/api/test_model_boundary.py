"""What a pushed model can reach of the server running it: not the data directory, not the API
token file, not the server's environment; only the variables its ``mimeo.yaml`` names.

The server here keeps its token in ``<data dir>/api-token``, as one started without
``MIMEO_BOOTSTRAP_TOKEN`` does, and holds a cloud credential in its environment. Its data
directory is private to its user too."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, MimeoServer, official_client, running_server

CLOUD_SECRET = "aws-secret-that-models-must-not-see"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[MimeoServer]:
    data_dir = tmp_path_factory.mktemp("boxed") / "data"
    data_dir.mkdir()
    data_dir.chmod(0o755)  # as an older mimeo left it
    with running_server(
        data_dir,
        env_dir,
        "--examples",
        "none",
        MIMEO_BOOTSTRAP_TOKEN="",
        AWS_SECRET_ACCESS_KEY=CLOUD_SECRET,
        SNOOP_SHARED_SETTING="shared with the model",
    ) as server:
        server.token = (data_dir / "api-token").read_text().strip()
        server.push(FIXTURES / "snoop", "fixtures/snoop")
        yield server


def snoop(server: MimeoServer, *paths: Path) -> dict[str, Any]:
    with official_client(server) as client:
        output = client.run("fixtures/snoop", input={"paths": ",".join(map(str, paths))})
    seen: dict[str, Any] = json.loads(str(output))
    return seen


def test_a_model_cannot_read_the_data_directory_the_database_or_the_token_file(
    server: MimeoServer,
) -> None:
    data = server.data_dir
    paths = (data, data / "mimeo.db", data / "api-token")

    reach = snoop(server, *paths)["reach"]

    assert all(p.exists() for p in paths)
    listing = reach[str(data)]
    assert listing in ("missing", "denied") or not {"mimeo.db", "api-token"} & set(listing)
    assert reach[str(data / "mimeo.db")] in ("missing", "denied")
    assert reach[str(data / "api-token")] in ("missing", "denied")


def test_a_model_sees_none_of_the_servers_secrets_in_its_environment(server: MimeoServer) -> None:
    environ: dict[str, str] = snoop(server)["environ"]

    values = "\n".join(environ.values())
    assert server.token not in values
    assert CLOUD_SECRET not in values
    assert [name for name in environ if name.startswith("MIMEO_")] == []


def test_a_model_cannot_read_the_servers_environment_through_proc(server: MimeoServer) -> None:
    environ = Path(f"/proc/{server.process.pid}/environ")

    reach = snoop(server, environ)["reach"]

    assert environ.exists()
    assert reach[str(environ)] in ("missing", "denied")


def test_a_model_gets_the_variables_its_mimeo_yaml_names(server: MimeoServer) -> None:
    environ: dict[str, str] = snoop(server)["environ"]

    assert environ["SNOOP_SHARED_SETTING"] == "shared with the model"


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="models change user only when mimeo runs as root with bubblewrap",
)
def test_under_root_a_model_runs_as_an_unprivileged_user(server: MimeoServer) -> None:
    assert snoop(server)["uid"] != 0


def test_the_data_directory_and_its_files_are_private_to_the_servers_user(
    server: MimeoServer,
) -> None:
    snoop(server)  # the database has written its -wal and -shm files by now
    data = server.data_dir
    database = sorted(p.name for p in data.glob("mimeo.db*"))
    modes = {p.name: p.stat().st_mode & 0o777 for p in (data, *data.glob("mimeo.db*"))}

    assert database == ["mimeo.db", "mimeo.db-shm", "mimeo.db-wal"]
    assert modes == {
        data.name: 0o700,
        "mimeo.db": 0o600,
        "mimeo.db-shm": 0o600,
        "mimeo.db-wal": 0o600,
    }
    assert (data / "api-token").stat().st_mode & 0o777 == 0o600
