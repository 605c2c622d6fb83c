"""A deployment's configuration: what is valid, and how much work it may hold at once.

Decided here, without I/O, so the API's checks and the store's ``max_in_flight`` agree.
"""

from __future__ import annotations

from typing import Any

from mimeo.core.errors import FieldError
from mimeo.core.hardware import hardware_error


def check_configuration(
    hardware_sku: str, min_instances: int, max_instances: int, ceiling: int
) -> list[FieldError]:
    """Every problem at once, so a client fixes its request in one round trip.

    ``ceiling`` is what the fleet can hold: a deployment asking for more could never have it,
    and its number would not even fit the database's integer.
    """
    unknown = hardware_error(hardware_sku)
    errors: list[FieldError] = [] if unknown is None else [unknown]
    if min_instances < 0:
        errors.append(FieldError("min_instances", "must be 0 or more"))
    elif min_instances > ceiling:
        errors.append(FieldError("min_instances", f"must be at most {ceiling}"))
    if max_instances < 1:
        errors.append(FieldError("max_instances", "must be 1 or more"))
    elif max_instances > ceiling:
        errors.append(FieldError("max_instances", f"must be at most {ceiling}"))
    elif max_instances < min_instances:
        errors.append(
            FieldError("max_instances", f"must be at least min_instances ({min_instances})")
        )
    return errors


def concurrency(build: dict[str, Any]) -> int:
    """How many predictions one instance of a version runs at once: cog.yaml's
    ``concurrency.max``, 1 when absent or not a positive whole number."""
    section = build.get("concurrency")
    value = section.get("max") if isinstance(section, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return 1


def max_in_flight(max_instances: int, build: dict[str, Any]) -> int:
    """The cap the queue applies to a deployment across the whole fleet."""
    return max_instances * concurrency(build)
