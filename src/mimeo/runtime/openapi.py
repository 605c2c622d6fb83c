"""Cog's OpenAPI document for a predictor, assembled from ``schema_probe`` facts.

The shapes follow Cog's generator (``pkg/schema/openapi.go`` in replicate/cog): ``Input`` with
``x-order`` and titles, choices as named enum components behind ``allOf``, nullable optionals,
``Output`` with ``x-cog-array-type`` for iterators. ``x-cog-streaming`` is always set: mimeo's
worker talks to every instance over SSE, and coglet only offers SSE when the schema says so.
"""

from __future__ import annotations

import json
from typing import Any

from mimeo.core.status import PredictionStatus

JSON = dict[str, Any]


def title(name: str) -> str:
    return name.replace("_", " ").title()


def input_property(fact: JSON, order: int, components: JSON) -> tuple[JSON, bool]:
    """Return the property and whether the input is required.

    ``nullable``, ``default`` and ``required`` follow Cog's build independently: an Optional input
    is nullable; a default of None counts only on a nullable input (``seed: int =
    Input(default=None)`` stays required, meaning "pick one at run time"), except on a Secret,
    where it means "no credential"; an Optional input whose source names no default gets no
    ``default`` key, which is what tells coglet to pass None when it is omitted.
    """
    name: str = fact["name"]
    prop: JSON = {}
    if fact.get("choices"):
        components[name] = {
            "title": name,
            "type": fact["schema"].get("type", "string"),
            "description": "An enumeration.",
            "enum": fact["choices"],
        }
        prop["allOf"] = [{"$ref": f"#/components/schemas/{name}"}]
    else:
        prop.update(fact["schema"])
        prop["title"] = title(name)
    prop["x-order"] = order
    if fact.get("description"):
        prop["description"] = fact["description"]
    for key, target in (
        ("ge", "minimum"),
        ("le", "maximum"),
        ("min_length", "minLength"),
        ("max_length", "maxLength"),
        ("regex", "pattern"),
    ):
        value = fact.get(key)
        if value is not None:
            prop[target] = int(value) if isinstance(value, float) and value.is_integer() else value
    if fact.get("deprecated"):
        prop["deprecated"] = True
    if fact.get("accept") is not None:
        prop["x-cog-accept"] = fact["accept"]

    default = fact.get("default")
    declared = bool(fact.get("declares_default"))
    nullable = bool(fact.get("optional")) or (
        bool(fact.get("secret")) and declared and default is None
    )
    has_default = declared and (default is not None or nullable)
    if nullable:
        prop["nullable"] = True
        for variant in prop.get("anyOf", []):
            variant["nullable"] = True
    if has_default:
        prop["default"] = default
    union = "anyOf" in prop
    return prop, not has_default and (union or not fact.get("optional"))


def inputs_schema(facts: JSON, name: str, components: JSON) -> JSON:
    """The object schema of a function's inputs, titled ``name`` (Input, TrainingInput)."""
    properties: JSON = {}
    required: list[str] = []
    for order, fact in enumerate(facts["inputs"]):
        prop, is_required = input_property(fact, order, components)
        properties[fact["name"]] = prop
        if is_required:
            required.append(fact["name"])
    schema: JSON = {"type": "object", "title": name, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def build_schema(facts: JSON, training: JSON | None = None) -> JSON:
    """``training`` holds the facts of cog.yaml's ``train:`` function: Cog then adds
    ``TrainingInput``, ``TrainingOutput`` and the ``/trainings`` route to the same document,
    and coglet in train mode validates against ``TrainingInput``."""
    components: JSON = {}
    schemas: JSON = {"Input": inputs_schema(facts, "Input", components), "Output": facts["output"]}
    paths = _paths()
    if training is not None:
        schemas["TrainingInput"] = inputs_schema(training, "TrainingInput", components)
        schemas["TrainingOutput"] = {**training["output"], "title": "TrainingOutput"}
        paths["/trainings"] = _training_path()
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": paths,
        "components": {"schemas": {**schemas, **components, **_envelope_schemas()}},
    }


def _training_path() -> JSON:
    ref = "#/components/schemas/"
    return {
        "post": {
            "summary": "Train",
            "operationId": "train_trainings_post",
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": ref + "TrainingInput"}}}
            },
            "responses": {
                "200": {
                    "description": "Successful Response",
                    "content": {"application/json": {"schema": {"$ref": ref + "TrainingOutput"}}},
                }
            },
        }
    }


def dumps(schema: JSON) -> bytes:
    return json.dumps(schema, indent=2, sort_keys=False).encode()


def _paths() -> JSON:
    ref = "#/components/schemas/"
    prediction_response = {
        "200": {
            "description": "Successful Response",
            "content": {"application/json": {"schema": {"$ref": ref + "PredictionResponse"}}},
        },
        "422": {
            "description": "Validation Error",
            "content": {"application/json": {"schema": {"$ref": ref + "HTTPValidationError"}}},
        },
    }
    body = {"content": {"application/json": {"schema": {"$ref": ref + "PredictionRequest"}}}}
    id_param = [
        {
            "name": "prediction_id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "title": "Prediction ID"},
        }
    ]
    return {
        "/": {
            "get": {
                "summary": "Root",
                "operationId": "root__get",
                "responses": {"200": {"description": "Successful Response"}},
            }
        },
        "/health-check": {
            "get": {
                "summary": "Healthcheck",
                "operationId": "healthcheck_health_check_get",
                "responses": {"200": {"description": "Successful Response"}},
            }
        },
        "/predictions": {
            "post": {
                "summary": "Predict",
                "operationId": "predict_predictions_post",
                "requestBody": body,
                "responses": prediction_response,
                "x-cog-streaming": True,
            }
        },
        "/predictions/{prediction_id}": {
            "put": {
                "summary": "Predict Idempotent",
                "operationId": "predict_idempotent_predictions__prediction_id__put",
                "parameters": id_param,
                "requestBody": body,
                "responses": prediction_response,
            }
        },
        "/predictions/{prediction_id}/cancel": {
            "post": {
                "summary": "Cancel",
                "operationId": "cancel_predictions__prediction_id__cancel_post",
                "parameters": id_param,
                "responses": {"200": {"description": "Successful Response"}},
            }
        },
    }


def _envelope_schemas() -> JSON:
    ref = "#/components/schemas/"
    return {
        "PredictionRequest": {
            "title": "PredictionRequest",
            "type": "object",
            "properties": {
                "id": {"title": "Id", "type": "string"},
                "input": {"$ref": ref + "Input"},
                "webhook": {"title": "Webhook", "type": "string", "format": "uri"},
                "webhook_events_filter": {"type": "array", "items": {"$ref": ref + "WebhookEvent"}},
            },
        },
        "PredictionResponse": {
            "title": "PredictionResponse",
            "type": "object",
            "properties": {
                "id": {"title": "Id", "type": "string"},
                "input": {"$ref": ref + "Input"},
                "output": {"$ref": ref + "Output"},
                "logs": {"title": "Logs", "type": "string", "default": ""},
                "error": {"title": "Error", "type": "string"},
                "status": {"$ref": ref + "Status"},
                "metrics": {"title": "Metrics", "type": "object"},
            },
        },
        "Status": {
            "title": "Status",
            "type": "string",
            "description": "An enumeration.",
            "enum": [s.value for s in PredictionStatus],
        },
        "WebhookEvent": {
            "title": "WebhookEvent",
            "type": "string",
            "description": "An enumeration.",
            "enum": ["start", "output", "logs", "completed"],
        },
        "HTTPValidationError": {
            "title": "HTTPValidationError",
            "type": "object",
            "properties": {
                "detail": {
                    "title": "Detail",
                    "type": "array",
                    "items": {"$ref": ref + "ValidationError"},
                }
            },
        },
        "ValidationError": {
            "title": "ValidationError",
            "type": "object",
            "required": ["loc", "msg", "type"],
            "properties": {
                "loc": {
                    "title": "Location",
                    "type": "array",
                    "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                },
                "msg": {"title": "Message", "type": "string"},
                "type": {"title": "Error Type", "type": "string"},
            },
        },
    }
