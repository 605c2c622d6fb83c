"""What the ledger's rows mean: the kinds of entry, and usage as a caller sees it summed up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EntryKind(StrEnum):
    GRANT = "grant"
    """The starting credit an account gets when it is created."""
    CREDIT = "credit"
    """An administrator added (or, negative, took back) credit."""
    PREDICTION = "prediction"
    """A public model's prediction: its ``predict_time`` on its hardware."""
    INSTANCE = "instance"
    """A private model's or a deployment's instance: its time since the last charge."""


CREDIT_KINDS = (EntryKind.GRANT, EntryKind.CREDIT)
USAGE_KINDS = (EntryKind.PREDICTION, EntryKind.INSTANCE)


class UsageGrouping(StrEnum):
    DAY = "day"
    MODEL = "model"
    HARDWARE = "hardware"


@dataclass(frozen=True)
class UsageLine:
    key: str
    duration_us: int
    amount_micros: int
    """What was spent: positive, though the ledger holds usage as negative entries."""
    count: int


@dataclass(frozen=True)
class BillingSummary:
    balance_micros: int
    granted_micros: int
    spent_micros: int
