"""A deployment's configuration checks and its in-flight cap (``core.deployments``)."""

from __future__ import annotations

from typing import Any

import pytest

from mimeo.core.deployments import check_configuration, concurrency, max_in_flight

CEILING = 8


def fields(hardware: str = "cpu", min_instances: int = 0, max_instances: int = 1) -> list[str]:
    return [e.field for e in check_configuration(hardware, min_instances, max_instances, CEILING)]


def test_a_sound_configuration_has_no_errors() -> None:
    assert check_configuration("gpu-t4", 1, 3, CEILING) == []


def test_unknown_hardware_lists_the_known_skus() -> None:
    [error] = check_configuration("gpu-tpu", 0, 1, CEILING)

    assert error.field == "hardware"
    assert "'gpu-tpu'" in error.message
    assert "cpu, gpu-t4" in error.message


def test_min_instances_below_zero_is_an_error() -> None:
    assert fields(min_instances=-1) == ["min_instances"]


def test_max_instances_below_one_is_an_error() -> None:
    assert fields(max_instances=0) == ["max_instances"]


def test_more_instances_than_the_fleet_holds_is_an_error_naming_the_limit() -> None:
    [error] = check_configuration("cpu", 0, 10**30, CEILING)

    assert (error.field, error.message) == ("max_instances", "must be at most 8")


def test_min_instances_above_what_the_fleet_holds_is_an_error() -> None:
    [error, *_] = check_configuration("cpu", 10**6, CEILING, CEILING)

    assert (error.field, error.message) == ("min_instances", "must be at most 8")


def test_max_instances_below_min_instances_is_an_error() -> None:
    [error] = check_configuration("cpu", 3, 2, CEILING)

    assert (error.field, error.message) == ("max_instances", "must be at least min_instances (3)")


def test_every_error_is_reported_at_once() -> None:
    assert fields("nope", -1, 0) == ["hardware", "min_instances", "max_instances"]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        ({"concurrency": {"max": 8}}, 8),
        ({}, 1),
        ({"concurrency": None}, 1),
        ({"concurrency": {"max": 0}}, 1),
        ({"concurrency": {"max": "4"}}, 1),
        ({"concurrency": {"max": True}}, 1),
    ],
)
def test_concurrency_is_cog_yamls_max_or_one(build: dict[str, Any], expected: int) -> None:
    assert concurrency(build) == expected


def test_max_in_flight_multiplies_instances_by_concurrency() -> None:
    assert max_in_flight(3, {"concurrency": {"max": 4}}) == 12
