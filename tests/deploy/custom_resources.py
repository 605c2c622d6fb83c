"""JSON schemas for the custom resources in ``deploy/kubernetes/``, which kubernetes-validate does
not know: KEDA's ScaledObject (``keda.sh/v1alpha1``) and the Prometheus Operator's ServiceMonitor
(``monitoring.coreos.com/v1``).

Neither project publishes its CRD schema on PyPI, so these are written here from their reference
documentation, and cover only the fields the manifests use, typed as the CRDs type them. Unknown
fields are refused (a typo fails, as it would against the CRD's structural schema), and so is a
number where the CRD wants a string (KEDA's trigger metadata is a string map).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def closed(required: list[str], **properties: Schema) -> Schema:
    """An object with exactly these fields, some of them required."""
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


STRING: Schema = {"type": "string"}
COUNT: Schema = {"type": "integer", "minimum": 0}
LABELS: Schema = {"type": "object", "additionalProperties": STRING}
METADATA = closed(["name"], name=STRING, namespace=STRING, labels=LABELS, annotations=LABELS)

SCALING_RULES = closed(
    [],
    stabilizationWindowSeconds=COUNT,
    selectPolicy={"enum": ["Max", "Min", "Disabled"]},
    policies={
        "type": "array",
        "items": closed(
            ["type", "value", "periodSeconds"],
            type={"enum": ["Pods", "Percent"]},
            value={"type": "integer", "minimum": 1},
            periodSeconds={"type": "integer", "minimum": 1, "maximum": 1800},
        ),
    },
)

SCALED_OBJECT = closed(
    ["apiVersion", "kind", "metadata", "spec"],
    apiVersion={"const": "keda.sh/v1alpha1"},
    kind={"const": "ScaledObject"},
    metadata=METADATA,
    spec=closed(
        ["scaleTargetRef", "triggers"],
        scaleTargetRef=closed(
            ["name"],
            apiVersion=STRING,
            kind=STRING,
            name=STRING,
            envSourceContainerName=STRING,
        ),
        pollingInterval=COUNT,
        cooldownPeriod=COUNT,
        initialCooldownPeriod=COUNT,
        idleReplicaCount=COUNT,
        minReplicaCount=COUNT,
        maxReplicaCount=COUNT,
        advanced=closed(
            [],
            restoreToOriginalReplicaCount={"type": "boolean"},
            horizontalPodAutoscalerConfig=closed(
                [],
                name=STRING,
                behavior=closed([], scaleUp=SCALING_RULES, scaleDown=SCALING_RULES),
            ),
        ),
        triggers={
            "type": "array",
            "minItems": 1,
            "items": closed(
                ["type", "metadata"],
                type=STRING,
                name=STRING,
                metricType={"enum": ["AverageValue", "Value", "Utilization"]},
                useCachedMetrics={"type": "boolean"},
                metadata={"type": "object", "additionalProperties": STRING},
                authenticationRef=closed(["name"], name=STRING, kind=STRING),
            ),
        },
    ),
)

PROMETHEUS_TRIGGER_METADATA = closed(
    ["serverAddress", "query", "threshold"],
    serverAddress={"type": "string", "pattern": "^https?://"},
    query=STRING,
    threshold={"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    activationThreshold={"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    namespace=STRING,
    authModes=STRING,
    ignoreNullValues=STRING,
    unsafeSsl=STRING,
)
"""What KEDA's ``prometheus`` scaler reads from a trigger's metadata."""

SERVICE_MONITOR = closed(
    ["apiVersion", "kind", "metadata", "spec"],
    apiVersion={"const": "monitoring.coreos.com/v1"},
    kind={"const": "ServiceMonitor"},
    metadata=METADATA,
    spec=closed(
        ["selector", "endpoints"],
        selector=closed([], matchLabels=LABELS),
        namespaceSelector=closed([], matchNames={"type": "array", "items": STRING}),
        endpoints={
            "type": "array",
            "minItems": 1,
            "items": closed(
                ["port"],
                port=STRING,
                path=STRING,
                scheme={"enum": ["http", "https"]},
                interval={"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                authorization=closed(
                    ["credentials"],
                    type=STRING,
                    credentials=closed(["name", "key"], name=STRING, key=STRING),
                ),
            ),
        },
    ),
)

SCHEMAS: dict[tuple[str, str], Schema] = {
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
}
"""The custom kinds the manifests may use, by apiVersion and kind."""
