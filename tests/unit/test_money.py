"""Money is integer micro-dollars; a charge is rounded half up to the micro-dollar, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from mimeo.core.errors import InvalidInput
from mimeo.core.money import (
    charge_micros,
    format_dollars,
    format_seconds,
    microseconds,
    parse_dollars,
    span_microseconds,
)
from mimeo.core.prices import PriceList
from mimeo.settings import Settings


@pytest.mark.parametrize(
    ("text", "micros"),
    [("10.00", 10_000_000), ("5", 5_000_000), ("-4.9999", -4_999_900), ("0.000001", 1)],
)
def test_dollars_are_parsed_to_micro_dollars(text: str, micros: int) -> None:
    assert parse_dollars(text) == micros


@pytest.mark.parametrize("text", ["ten", "0.0000001", "NaN", "Infinity", ""])
def test_what_is_not_a_whole_micro_dollar_amount_is_a_422(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_dollars(text)


@pytest.mark.parametrize(
    ("micros", "text"),
    [(4_998_700, "4.998700"), (0, "0.000000"), (-100, "-0.000100"), (12_000_000, "12.000000")],
)
def test_micro_dollars_are_printed_to_the_micro_dollar(micros: int, text: str) -> None:
    assert format_dollars(micros) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_printing_and_parsing_agree(micros: int) -> None:
    assert parse_dollars(format_dollars(micros)) == micros


def test_durations_are_whole_microseconds() -> None:
    assert microseconds(0.1) == 100_000
    assert microseconds(1.2345675) == 1_234_568
    assert microseconds(-1.0) == 0
    assert span_microseconds(timedelta(seconds=2, microseconds=5)) == 2_000_005
    assert format_seconds(1_500_000) == "1.500000"


@pytest.mark.parametrize(
    ("duration_us", "price", "charged"),
    [
        (5_000, 100, 1),  # 0.5 micro-dollars: half goes up
        (4_999, 100, 0),
        (1_234_567, 100, 123),
        (2_500_000, 225, 563),  # 562.5
        (1_000_000, 1_525, 1_525),
    ],
)
def test_a_charge_is_rounded_half_up_to_the_micro_dollar(
    duration_us: int, price: int, charged: int
) -> None:
    assert charge_micros(duration_us, price) == charged


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**6))
def test_a_charge_is_within_half_a_micro_dollar_of_the_exact_cost(
    duration_us: int, price: int
) -> None:
    exact = Decimal(duration_us) * price / 1_000_000
    assert abs(charge_micros(duration_us, price) - exact) <= Decimal("0.5")


def test_the_default_prices_are_replicates_list_prices() -> None:
    prices = Settings().price_list

    assert [prices.price(sku) for sku in ("cpu", "gpu-t4", "gpu-l40s")] == [100, 225, 975]
    assert [prices.price(sku) for sku in ("gpu-a100-large", "gpu-h100")] == [1_400, 1_525]
    assert Settings().starting_credit_micros == 5_000_000


def test_the_operator_overrides_prices_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MIMEO_PRICES", '{"gpu-t4": "0.000300", "cpu": "0"}')
    monkeypatch.setenv("MIMEO_STARTING_CREDIT", "1.50")

    settings = Settings()

    assert settings.price_list.price("gpu-t4") == 300
    assert settings.price_list.price("cpu") == 0
    assert settings.price_list.price("gpu-h100") == 1_525
    assert settings.starting_credit_micros == 1_500_000


@pytest.mark.parametrize(
    "prices", [{"gpu-t5": "0.0001"}, {"cpu": "0.0000001"}, {"cpu": "-0.0001"}, {"cpu": "x"}]
)
def test_a_price_list_mimeo_cannot_bill_by_is_refused_at_start(prices: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(prices=prices)


def test_a_sku_without_a_price_costs_nothing() -> None:
    assert PriceList({}).cost("gpu-t4", 10_000_000) == 0
