"""``cog.Secret`` inputs: which fields hold one, and the input as everyone but the model sees it.

Cog's schema marks a Secret with ``x-cog-secret: true`` (and ``format: password``,
``writeOnly``); a ``List[Secret]`` marks its items. Such a field's value is taken out of the
input before anything keeps it: what is stored, answered, logged and sent to webhooks shows
``REDACTED`` in its place, as Replicate shows it, and the value itself travels sealed until the
worker that runs the prediction claims it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REDACTED = "**********"
SECRET_FORMAT = "password"
SECRET_FLAG = "x-cog-secret"
REF_PREFIX = "#/components/schemas/"


def secret_fields(openapi_schema: Mapping[str, Any]) -> frozenset[str]:
    """The ``Input`` properties that hold a secret, or a list of them."""
    components = openapi_schema.get("components", {}).get("schemas", {})
    properties = components.get("Input", {}).get("properties", {})
    return frozenset(
        name for name, prop in properties.items() if _is_secret(prop, components, depth=0)
    )


def _is_secret(schema: object, components: Mapping[str, Any], depth: int) -> bool:
    if not isinstance(schema, Mapping) or depth > 8:
        return False
    if schema.get(SECRET_FLAG) is True or schema.get("format") == SECRET_FORMAT:
        return True
    parts = [schema.get("items")]
    for key in ("allOf", "anyOf"):
        parts.extend(schema.get(key) or [])
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        parts.append(components.get(ref.removeprefix(REF_PREFIX)))
    return any(_is_secret(part, components, depth + 1) for part in parts)


def redacted(value: Any) -> Any:
    """What a secret value shows as: a list keeps its length, nothing else of it."""
    if isinstance(value, list):
        return [REDACTED for _ in value]
    return REDACTED


def split_secrets(
    fields: frozenset[str], given: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The input as it may be kept, and the secret values taken out of it."""
    kept = {name: redacted(value) if name in fields else value for name, value in given.items()}
    taken = {name: value for name, value in given.items() if name in fields}
    return kept, taken


def reveal(kept: Mapping[str, Any], taken: Mapping[str, Any]) -> dict[str, Any]:
    """The input the model is sent: the kept input with its secrets put back."""
    return {**kept, **taken}


def secret_texts(taken: Mapping[str, Any]) -> list[str]:
    """Every secret string in ``taken``, longest first (so one inside another is not left
    half hidden by ``scrub``)."""
    texts: list[str] = []
    for value in taken.values():
        texts.extend(v for v in (value if isinstance(value, list) else [value]) if v)
    return sorted({t for t in texts if isinstance(t, str)}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret in it replaced by ``REDACTED``: for messages mimeo writes
    about an input (a model server refusing it), never for what the model itself says."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text
