"""``deploy/kubernetes/`` read as kubectl would: every YAML document of every manifest file, with
the lookups the cross-file tests need (a Deployment by name, a container's environment, the
worker pools and the hardware their ScaledObjects scale them on)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mimeo.core.hardware import BY_SKU, Sku, is_known

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
KUSTOMIZATION = MANIFESTS / "kustomization.yaml"


@dataclass(frozen=True)
class Document:
    file: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.body["spec"]
        return spec

    def __str__(self) -> str:
        return f"{self.file}:{self.kind}/{self.name}"


@cache
def documents() -> tuple[Document, ...]:
    """Every resource the kustomization may list (the kustomization itself is not one)."""
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path == KUSTOMIZATION:
            continue
        for body in yaml.safe_load_all(path.read_text()):
            if body is not None:
                found.append(Document(path.name, body))
    return tuple(found)


def kustomization() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(KUSTOMIZATION.read_text())
    return loaded


def of_kind(kind: str) -> list[Document]:
    return [document for document in documents() if document.kind == kind]


def named(kind: str, name: str) -> Document | None:
    return next((d for d in of_kind(kind) if d.name == name), None)


def pod_spec(deployment: Document) -> dict[str, Any]:
    spec: dict[str, Any] = deployment.spec["template"]["spec"]
    return spec


def containers(deployment: Document) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = pod_spec(deployment)["containers"]
    return found


def is_worker(deployment: Document) -> bool:
    return any(container.get("args", [])[:1] == ["worker"] for container in containers(deployment))


def workers() -> list[Document]:
    return [deployment for deployment in of_kind("Deployment") if is_worker(deployment)]


def apis() -> list[Document]:
    return [deployment for deployment in of_kind("Deployment") if not is_worker(deployment)]


def only_container(deployment: Document) -> dict[str, Any]:
    (container,) = containers(deployment)
    return container


def env_value(container: dict[str, Any], name: str) -> str | None:
    """A variable's literal value (``value:``), None when unset or set from a Secret."""
    for variable in container.get("env", []):
        if variable["name"] == name and "value" in variable:
            return str(variable["value"])
    return None


def secret_refs(container: dict[str, Any]) -> set[str]:
    """The Secrets a container reads, whole (``envFrom``) or one key at a time."""
    whole = {s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s}
    keys = {
        variable["valueFrom"]["secretKeyRef"]["name"]
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    return {name for name in whole | keys if name}


def variable_names(container: dict[str, Any]) -> set[str]:
    """Every variable the container gets: its own ``env`` and the keys of what ``envFrom`` names."""
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        kind, ref = (
            ("Secret", "secretRef") if "secretRef" in source else ("ConfigMap", "configMapRef")
        )
        document = named(kind, source[ref]["name"])
        if document is not None:
            names |= set(values(document))
    return names


def values(config: Document) -> dict[str, str]:
    """A ConfigMap's or a Secret's keys and values (``stringData`` as written, ``data`` decoded)."""
    found = {key: str(value) for key, value in config.body.get("stringData", {}).items()}
    for key, value in config.body.get("data", {}).items():
        found[key] = value if config.kind == "ConfigMap" else base64.b64decode(value).decode()
    return found


def prometheus_queries(scaled_object: Document) -> list[str]:
    return [
        trigger["metadata"]["query"]
        for trigger in scaled_object.spec["triggers"]
        if trigger["type"] == "prometheus"
    ]


# A mimeo metric filtered on one hardware, as in mimeo_queue_depth{hardware="gpu-t4"}.
SELECTOR = re.compile(r'(mimeo_\w+)\{hardware="([^"]*)"\}')


def hardware_of(scaled_object: Document) -> set[str]:
    """The hardware a pool serves: what its queries filter mimeo's metrics on (one SKU)."""
    return {
        sku for query in prometheus_queries(scaled_object) for _, sku in SELECTOR.findall(query)
    }


@dataclass(frozen=True)
class Pool:
    """A worker Deployment and the hardware its ScaledObject scales it on."""

    worker: Document
    sku: Sku

    def __str__(self) -> str:
        return self.worker.name


def pools() -> list[Pool]:
    """The pools whose ScaledObject targets a Deployment and scales on one known SKU (the tests
    hold every ScaledObject to that)."""
    found = []
    for scaled_object in of_kind("ScaledObject"):
        worker = named("Deployment", scaled_object.spec["scaleTargetRef"]["name"])
        hardware = hardware_of(scaled_object)
        if worker is not None and len(hardware) == 1 and is_known(sku := hardware.pop()):
            found.append(Pool(worker, BY_SKU[sku]))
    return found
