"""``deploy/kubernetes/`` as an operator applies it (docs/kubernetes.md), checked without a cluster.

Every document is valid against the Kubernetes API schemas that kubernetes-validate ships, in
strict mode (an unknown field fails), for the oldest and the newest Kubernetes we claim. The
custom resources (KEDA's ScaledObject, the Prometheus Operator's ServiceMonitor) are checked
against the schemas in ``custom_resources.py``. Then the invariants that tie the files to each
other and to mimeo: the drain fits in the grace period, each pool is scaled on its own hardware's
queue, GPU pools ask for GPUs, workers never see the database, secrets hold placeholders only.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import typer.main
from pydantic import AliasChoices

from mimeo.api.app import create_app
from mimeo.cli.app import app as cli
from mimeo.cli.platform import platform
from mimeo.core.hardware import CPU, is_known
from mimeo.core.worker_limits import DRAIN_TIMEOUT_SECONDS
from mimeo.settings import Settings
from tests.deploy.custom_resources import PROMETHEUS_TRIGGER_METADATA, SCHEMAS
from tests.deploy.manifests import (
    DOCKERFILE,
    KUSTOMIZATION,
    MANIFESTS,
    SELECTOR,
    Document,
    Pool,
    apis,
    containers,
    documents,
    env_value,
    hardware_of,
    kustomization,
    named,
    of_kind,
    only_container,
    pod_spec,
    pools,
    prometheus_queries,
    secret_refs,
    values,
    variable_names,
    workers,
)

KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
"""The first release with the preStop ``sleep`` action on by default, and the newest schemas."""

STOP_MARGIN_SECONDS = 5
"""What a worker needs after its drain: stop its model instances, say goodbye to the API."""

SCRAPER_TOKEN = "scraper-token"
"""The worker token of the in-process API node whose ``/metrics`` the tests scrape."""

DEFAULT_GRACE_SECONDS = 30
"""Kubernetes' ``terminationGracePeriodSeconds`` when a pod does not set one."""


def key(document: Document) -> tuple[str, str]:
    return document.body["apiVersion"], document.kind


BUILT_IN = [document for document in documents() if key(document) not in SCHEMAS]
CUSTOM = [document for document in documents() if key(document) in SCHEMAS]
SCALED_OBJECTS = of_kind("ScaledObject")
WORKERS = workers()


GPU_POOLS = [pool for pool in pools() if pool.sku.gpu_count > 0]
CPU_POOLS = [pool for pool in pools() if pool.sku.sku == CPU]


def drain_timeout_seconds(worker: Document) -> float:
    value = env_value(only_container(worker), "MIMEO_DRAIN_TIMEOUT_SECONDS")
    return DRAIN_TIMEOUT_SECONDS if value is None else float(value)


def variables_mimeo_reads() -> set[str]:
    """``MIMEO_*`` names of the settings (and their aliases), and the CLI's own ``envvar``s."""
    names = set()
    for field_name, field in Settings.model_fields.items():
        names.add(f"MIMEO_{field_name.upper()}")
        if isinstance(field.validation_alias, AliasChoices):
            names |= {c for c in field.validation_alias.choices if isinstance(c, str)}
    for command in typer.main.get_group(cli).commands.values():
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            names |= {envvar} if isinstance(envvar, str) else set(envvar or ())
    return names


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("document", BUILT_IN, ids=str)
def test_every_resource_is_valid_against_the_kubernetes_schemas(
    document: Document, version: str
) -> None:
    kubernetes_validate.validate(document.body, version, strict=True)


@pytest.mark.parametrize("document", CUSTOM, ids=str)
def test_every_custom_resource_has_the_shape_its_crd_accepts(document: Document) -> None:
    jsonschema.Draft202012Validator(SCHEMAS[key(document)]).validate(document.body)


@pytest.mark.parametrize("scaled_object", SCALED_OBJECTS, ids=str)
def test_every_trigger_is_a_prometheus_query_the_scaler_can_read(scaled_object: Document) -> None:
    for trigger in scaled_object.spec["triggers"]:
        assert trigger["type"] == "prometheus"
        jsonschema.Draft202012Validator(PROMETHEUS_TRIGGER_METADATA).validate(trigger["metadata"])


def test_the_kustomization_applies_every_manifest_file() -> None:
    on_disk = {path.name for path in MANIFESTS.glob("*.y*ml")} - {KUSTOMIZATION.name}
    assert sorted(kustomization()["resources"]) == sorted(on_disk)


def test_every_container_runs_the_image_the_kustomization_sets() -> None:
    images = {image["name"] for image in kustomization()["images"]}
    for deployment in of_kind("Deployment"):
        for container in containers(deployment):
            assert container["image"].rsplit(":", 1)[0] in images, deployment


def test_pods_run_as_the_user_the_image_creates() -> None:
    user = re.search(r"^USER (\d+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert user is not None
    for deployment in of_kind("Deployment"):
        assert pod_spec(deployment)["securityContext"]["runAsUser"] == int(user[1]), deployment


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=str)
def test_every_mimeo_variable_a_pod_gets_is_one_mimeo_reads(deployment: Document) -> None:
    given = {
        name for name in variable_names(only_container(deployment)) if name.startswith("MIMEO_")
    }
    assert given - variables_mimeo_reads() == set()


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=str)
def test_every_secret_and_config_map_a_pod_reads_exists(deployment: Document) -> None:
    container = only_container(deployment)
    for secret in secret_refs(container):
        assert named("Secret", secret) is not None, secret
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            assert named("ConfigMap", source["configMapRef"]["name"]) is not None


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=str)
def test_every_deployment_has_a_disruption_budget(deployment: Document) -> None:
    labels = deployment.spec["template"]["metadata"]["labels"]
    budgets = [
        budget
        for budget in of_kind("PodDisruptionBudget")
        if budget.spec["selector"]["matchLabels"].items() <= labels.items()
    ]
    assert len(budgets) == 1


def test_the_api_runs_without_a_worker() -> None:
    (api,) = apis()
    assert only_container(api)["args"][:2] == ["serve", "--no-worker"]


def test_the_api_is_ready_and_live_while_health_answers() -> None:
    (api,) = apis()
    container = only_container(api)
    ports = {port["name"] for port in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"
        assert container[probe]["httpGet"]["port"] in ports


def test_the_api_and_every_worker_share_one_worker_token() -> None:
    sources = set()
    for deployment in of_kind("Deployment"):
        (variable,) = [
            v for v in only_container(deployment)["env"] if v["name"] == "MIMEO_WORKER_TOKEN"
        ]
        reference = variable["valueFrom"]["secretKeyRef"]
        sources.add((reference["name"], reference["key"]))
    assert len(sources) == 1


@pytest.mark.parametrize("worker", WORKERS, ids=str)
def test_a_worker_reaches_the_api_through_its_service(worker: Document) -> None:
    server = env_value(only_container(worker), "MIMEO_SERVER")
    assert server is not None
    url = urlsplit(server)
    service = named("Service", url.hostname or "")
    (api,) = apis()
    assert service is not None
    assert service.spec["selector"].items() <= api.spec["template"]["metadata"]["labels"].items()
    assert (url.port or 80) in {port["port"] for port in service.spec["ports"]}


@pytest.mark.parametrize("worker", WORKERS, ids=str)
def test_a_worker_is_given_longer_to_stop_than_its_drain_takes(worker: Document) -> None:
    grace = pod_spec(worker).get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    assert drain_timeout_seconds(worker) + STOP_MARGIN_SECONDS <= grace


@pytest.mark.parametrize("worker", WORKERS, ids=str)
def test_a_worker_has_no_database_access(worker: Document) -> None:
    container = only_container(worker)
    assert "MIMEO_DATABASE_URL" not in variable_names(container)
    for secret in secret_refs(container):
        document = named("Secret", secret)
        assert document is None or "MIMEO_DATABASE_URL" not in values(document)


@pytest.mark.parametrize("worker", WORKERS, ids=str)
def test_every_worker_pool_has_one_scaled_object(worker: Document) -> None:
    targets = [s.spec["scaleTargetRef"]["name"] for s in SCALED_OBJECTS]
    assert targets.count(worker.name) == 1


@pytest.mark.parametrize("scaled_object", SCALED_OBJECTS, ids=str)
def test_every_scaled_object_scales_a_worker_deployment(scaled_object: Document) -> None:
    target = scaled_object.spec["scaleTargetRef"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert target["name"] in {worker.name for worker in WORKERS}


@pytest.mark.parametrize("scaled_object", SCALED_OBJECTS, ids=str)
def test_every_worker_pool_scales_to_zero(scaled_object: Document) -> None:
    assert scaled_object.spec["minReplicaCount"] == 0
    assert "idleReplicaCount" not in scaled_object.spec


@pytest.mark.parametrize("scaled_object", SCALED_OBJECTS, ids=str)
def test_every_pool_scales_on_the_queue_depth_of_a_known_hardware(scaled_object: Document) -> None:
    metrics = {m for query in prometheus_queries(scaled_object) for m, _ in SELECTOR.findall(query)}
    assert "mimeo_queue_depth" in metrics
    (hardware,) = hardware_of(scaled_object)
    assert is_known(hardware)


async def metrics_mimeo_exports(data_dir: Path) -> set[str]:
    """The metric families an API node's ``/metrics`` declares, scraped from the app itself."""
    settings = Settings(data_dir=data_dir, worker_token=SCRAPER_TOKEN)
    async with (
        platform(settings, "http://mimeo.test") as context,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(create_app(context)),
            base_url="http://mimeo.test",
            headers={"Authorization": f"Bearer {SCRAPER_TOKEN}"},
        ) as http,
    ):
        scraped = await http.get("/metrics")
    scraped.raise_for_status()
    return set(re.findall(r"^# TYPE (mimeo_\w+) ", scraped.text, re.MULTILINE))


async def test_scaling_queries_name_only_metrics_mimeo_exports(tmp_path: Path) -> None:
    exported = await metrics_mimeo_exports(tmp_path)
    queried = {
        m
        for s in SCALED_OBJECTS
        for q in prometheus_queries(s)
        for m in re.findall(r"mimeo_\w+", q)
    }
    assert queried <= exported


@pytest.mark.parametrize("scaled_object", SCALED_OBJECTS, ids=str)
def test_scaling_queries_count_each_series_once_across_api_replicas(
    scaled_object: Document,
) -> None:
    """Every API node reports the same fleet-wide series, told apart only by the target labels
    Prometheus adds (``instance``, ``pod``): a plain sum would count each once per replica, and
    a ``max by`` some of mimeo's labels would merge the series that differ in the others."""
    for query in prometheus_queries(scaled_object):
        once = re.findall(r"max without \(instance, pod\) \(mimeo_\w+\{[^}]*\}\)", query)
        assert len(once) == len(SELECTOR.findall(query))


@pytest.mark.parametrize("pool", GPU_POOLS, ids=str)
def test_a_gpu_pool_requests_the_gpus_its_hardware_has(pool: Pool) -> None:
    resources = only_container(pool.worker)["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == pool.sku.gpu_count
    assert resources["requests"]["nvidia.com/gpu"] == pool.sku.gpu_count


@pytest.mark.parametrize("pool", GPU_POOLS, ids=str)
def test_a_gpu_pool_selects_nodes_with_its_gpu(pool: Pool) -> None:
    selector = pod_spec(pool.worker)["nodeSelector"]
    assert any(pool.sku.gpu_family in value for value in selector.values())


@pytest.mark.parametrize("pool", GPU_POOLS, ids=str)
def test_a_gpu_pool_tolerates_the_gpu_taint(pool: Pool) -> None:
    tolerations = pod_spec(pool.worker)["tolerations"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in tolerations


@pytest.mark.parametrize("pool", CPU_POOLS, ids=str)
def test_a_cpu_pool_offers_no_gpus(pool: Pool) -> None:
    container = only_container(pool.worker)
    assert env_value(container, "MIMEO_NVIDIA_SMI") == ""
    assert "nvidia.com/gpu" not in container["resources"].get("limits", {})


PLACEHOLDER = re.compile(r"<[a-z0-9.-]+>")
CREDENTIAL_LIKE = re.compile(r"[A-Za-z0-9_+/=-]{16,}")


@pytest.mark.parametrize("secret", of_kind("Secret"), ids=str)
def test_no_secret_carries_a_real_looking_value(secret: Document) -> None:
    for name, value in values(secret).items():
        assert PLACEHOLDER.search(value), f"{name} is not a <placeholder>"
        assert not CREDENTIAL_LIKE.search(PLACEHOLDER.sub("", value)), f"{name} looks real"
