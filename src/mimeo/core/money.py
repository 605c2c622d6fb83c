"""Money as integer micro-dollars: parsed from and printed as decimal strings at the edges,
added and compared as integers everywhere else, so a thousand small charges add up to exactly
the balance's change.

A charge is ``duration * price`` rounded **half up to the micro-dollar, once per charge**:
durations are whole microseconds and prices whole micro-dollars per second, so the rounding is
one integer division and nothing else is ever rounded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mimeo.core.errors import FieldError, InvalidInput

MICROS_PER_DOLLAR = 1_000_000
MICROSECONDS_PER_SECOND = 1_000_000
CURRENCY = "USD"


def parse_dollars(text: str, field: str = "amount") -> int:
    """``"10.00"`` → ``10_000_000``; a 422 for what is not a whole number of micro-dollars."""
    try:
        dollars = Decimal(text.strip())
    except InvalidOperation:
        dollars = Decimal("NaN")
    if not dollars.is_finite():
        raise InvalidInput([FieldError(field, f"{text!r} is not an amount in dollars")])
    micros = dollars * MICROS_PER_DOLLAR
    if micros != micros.to_integral_value():
        raise InvalidInput([FieldError(field, f"{text!r} is finer than a micro-dollar")])
    return int(micros)


def format_dollars(micros: int) -> str:
    """``4_998_700`` → ``"4.998700"``: every micro-dollar shown, never a float."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), MICROS_PER_DOLLAR)
    return f"{sign}{whole}.{fraction:06d}"


def microseconds(seconds: float) -> int:
    """A duration the model reported as float seconds, in whole microseconds (half up).

    The float is read through its shortest ``repr``, so ``0.1`` is 100 000 µs, not 99 999."""
    exact = Decimal(repr(seconds)) * MICROSECONDS_PER_SECOND
    return max(0, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def span_microseconds(span: timedelta) -> int:
    return max(0, span // timedelta(microseconds=1))


def format_seconds(duration_us: int) -> str:
    """``1_500_000`` → ``"1.500000"``: seconds to the microsecond, as the ledger holds them."""
    whole, fraction = divmod(duration_us, MICROSECONDS_PER_SECOND)
    return f"{whole}.{fraction:06d}"


def charge_micros(duration_us: int, price_micros_per_second: int) -> int:
    """What ``duration_us`` costs at ``price_micros_per_second``, rounded half up."""
    exact_numerator = duration_us * price_micros_per_second
    return (exact_numerator + MICROSECONDS_PER_SECOND // 2) // MICROSECONDS_PER_SECOND
