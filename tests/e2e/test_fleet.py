"""The worker's pool as a user sees it: instances start on demand and stop when idle, models
share an instance up to ``concurrency.max``, GPUs are handed out by SKU, and time limits
(the model's predict timeout, the caller's ``Cancel-After``) end predictions clearly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import replicate
from replicate.deployment import Deployment
from replicate.prediction import Prediction

from tests.conftest import FIXTURES, MimeoServer, official_client, running_server
from tests.waiting import LogWatch, eventually

pytestmark = pytest.mark.slow
IDLE_TIMEOUT_SECONDS = 3
WARM_SYNC_SECONDS = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[MimeoServer]:
    """One node with one (fake) T4 and a short idle timeout."""
    data_dir = tmp_path_factory.mktemp("fleet")
    nvidia_smi = data_dir / "nvidia-smi"
    nvidia_smi.write_text("#!/bin/sh\necho '0, Tesla T4, 15360'\n")
    nvidia_smi.chmod(0o755)
    with running_server(
        data_dir,
        env_dir,
        "--examples",
        "none",
        MIMEO_NVIDIA_SMI=str(nvidia_smi),
        MIMEO_IDLE_TIMEOUT_SECONDS=str(IDLE_TIMEOUT_SECONDS),
        MIMEO_MAX_INSTANCES="3",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def client(server: MimeoServer) -> Iterator[replicate.Client]:
    with official_client(server) as official:
        yield official


def push(server: MimeoServer, fixture: str) -> str:
    return server.push(FIXTURES / fixture, f"fleet/{fixture}")


def ended(prediction: dict[str, Any]) -> dict[str, Any] | None:
    return prediction if prediction["status"] in ("succeeded", "failed", "canceled") else None


def run(client: replicate.Client, version: str, **inputs: Any) -> Prediction:
    prediction = client.predictions.create(version=version, input=inputs)
    prediction.wait()
    return prediction


def deploy(
    client: replicate.Client, name: str, version: str, min_instances: int, max_instances: int
) -> Deployment:
    return client.deployments.create(
        name=name,
        model=f"fleet/{name}",
        version=version,
        hardware="cpu",
        min_instances=min_instances,
        max_instances=max_instances,
    )


def test_an_idle_instance_stops_and_the_next_prediction_cold_starts(
    server: MimeoServer, client: replicate.Client
) -> None:
    version = push(server, "echo")

    cold = run(client, version, text="one")
    watch = LogWatch(server.log)
    warm = run(client, version, text="two")
    watch.wait_for("instance.stopped_idle", version, timeout=IDLE_TIMEOUT_SECONDS + 30)
    cold_again = run(client, version, text="three")

    assert [p.status for p in (cold, warm, cold_again)] == ["succeeded"] * 3
    assert "setup_time" in cold.metrics
    assert "cold start" in (cold.logs or "")
    assert "setup_time" not in warm.metrics
    assert "setup_time" in cold_again.metrics


def test_queue_time_is_in_the_metrics(server: MimeoServer, client: replicate.Client) -> None:
    prediction = run(client, push(server, "echo"), text="hi")

    assert prediction.metrics["queue_time"] >= 0


def test_an_instance_runs_up_to_its_concurrency_max_at_once(
    server: MimeoServer, client: replicate.Client
) -> None:
    version = push(server, "concurrent")
    run(client, version, seconds=0)  # started, so both land on one warm instance
    pair = [client.predictions.create(version=version, input={"seconds": 2}) for _ in range(2)]
    for prediction in pair:
        prediction.wait()

    (pid_a, began_a, ended_a), (pid_b, began_b, ended_b) = (str(p.output).split() for p in pair)
    assert pid_a == pid_b
    assert float(began_b) < float(ended_a)
    assert float(began_a) < float(ended_b)


def test_a_gpu_model_gets_a_device_of_its_sku(
    server: MimeoServer, client: replicate.Client
) -> None:
    client.models.create("fleet", "gpu-probe", visibility="private", hardware="gpu-t4")
    version = push(server, "gpu-probe")

    prediction = run(client, version)

    assert (prediction.status, prediction.output) == ("succeeded", "0")


def test_a_cpu_model_sees_no_gpu(server: MimeoServer, client: replicate.Client) -> None:
    version = server.push(FIXTURES / "gpu-probe", "fleet/gpu-probe-on-cpu")

    assert run(client, version).output == ""


def test_a_gpu_sku_builds_the_packages_mimeo_yaml_names_for_gpus(
    server: MimeoServer, client: replicate.Client
) -> None:
    client.models.create("fleet", "gpu-pins", visibility="private", hardware="gpu-t4")

    assert run(client, push(server, "gpu-pins")).output == "0.8.3"


def test_the_cpu_builds_the_packages_of_cog_yaml(
    server: MimeoServer, client: replicate.Client
) -> None:
    version = server.push(FIXTURES / "gpu-pins", "fleet/gpu-pins-on-cpu")

    assert run(client, version).output == "0.8.2"


def test_a_prediction_over_the_models_timeout_fails_saying_so(
    server: MimeoServer, client: replicate.Client
) -> None:
    began = time.monotonic()
    prediction = run(client, push(server, "slow-with-timeout"), seconds=60)

    assert prediction.status == "failed"
    assert "timed out" in (prediction.error or "")
    assert time.monotonic() - began < 45


def test_cancel_after_cancels_a_running_prediction(server: MimeoServer) -> None:
    version = push(server, "sleep")
    with server.http() as http:
        created = http.post(
            "/v1/predictions",
            json={"version": version, "input": {"seconds": 120}},
            headers={"Cancel-After": "5s"},
        ).json()
        prediction = eventually(
            lambda: ended(http.get(f"/v1/predictions/{created['id']}").json()),
            "the prediction to end",
        )

    assert prediction["status"] == "canceled"
    assert "Cancel-After" in prediction["logs"]


def test_a_malformed_cancel_after_is_a_422_naming_the_header(server: MimeoServer) -> None:
    with server.http() as http:
        answer = http.post(
            "/v1/predictions",
            json={"version": push(server, "echo"), "input": {"text": "x"}},
            headers={"Cancel-After": "2s"},
        )

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == "Cancel-After"


def test_a_deployment_keeps_its_min_instances_warm_past_the_idle_timeout(
    server: MimeoServer, client: replicate.Client
) -> None:
    version = server.push(FIXTURES / "echo", "fleet/warm-echo")
    watch = LogWatch(server.log)
    deployment = deploy(client, "warm-echo", version, 1, 1)
    watch.wait_for("instance.kept_warm", "warm-echo", timeout=WARM_SYNC_SECONDS + 30)
    watch.wait_for("instance.ready", version, timeout=60)
    time.sleep(IDLE_TIMEOUT_SECONDS + 2)  # what is tested is that this much time passes

    prediction = deployment.predictions.create(input={"text": "warm"})
    prediction.wait()

    assert prediction.status == "succeeded"
    assert "setup_time" not in prediction.metrics


def test_a_release_rolls_to_a_new_version_without_dropping_queued_predictions(
    server: MimeoServer, client: replicate.Client
) -> None:
    first = server.push(FIXTURES / "sleep", "fleet/rolling")
    second = server.push(FIXTURES / "slow-with-timeout", "fleet/rolling")
    deployment = deploy(client, "rolling", first, 0, 1)
    queued = [deployment.predictions.create(input={"seconds": 0.5}) for _ in range(3)]
    client.deployments.update(deployment.owner, deployment.name, version=second)
    after = deployment.predictions.create(input={"seconds": 0.5})
    for prediction in [*queued, after]:
        prediction.wait()

    assert [p.status for p in [*queued, after]] == ["succeeded"] * 4
    assert [p.version for p in queued] == [first] * 3
    assert after.version == second


def test_a_deployment_runs_no_more_at_once_than_its_max_instances(
    server: MimeoServer, client: replicate.Client
) -> None:
    version = server.push(FIXTURES / "sleep", "fleet/capped")
    deployment = deploy(client, "capped", version, 0, 1)
    pair = [deployment.predictions.create(input={"seconds": 1}) for _ in range(2)]
    for prediction in pair:
        prediction.wait()

    first, second = sorted(pair, key=lambda p: str(p.started_at))
    assert str(second.started_at) >= str(first.completed_at)
