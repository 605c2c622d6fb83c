"""Which SKUs a node's GPUs can serve, and which GPUs an instance gets (``mimeo.core.hardware``)."""

from __future__ import annotations

from dataclasses import dataclass

from mimeo.core.hardware import offered_skus, pick_devices


@dataclass(frozen=True)
class Card:
    index: int
    name: str
    memory_mib: int


def t4(index: int) -> Card:
    return Card(index, "Tesla T4", 15360)


def a100_40gb(index: int) -> Card:
    return Card(index, "NVIDIA A100-SXM4-40GB", 40960)


def a100_80gb(index: int) -> Card:
    return Card(index, "NVIDIA A100-SXM4-80GB", 81920)


def h100(index: int) -> Card:
    return Card(index, "NVIDIA H100 80GB HBM3", 81559)


def test_a_node_without_gpus_offers_cpu_only() -> None:
    assert offered_skus([]) == ["cpu"]


def test_two_t4s_offer_cpu_and_the_t4_sku_only() -> None:
    assert offered_skus([t4(0), t4(1)]) == ["cpu", "gpu-t4"]


def test_an_a100_with_40gb_is_not_an_a100_large() -> None:
    assert offered_skus([a100_40gb(0)]) == ["cpu"]


def test_an_a100_with_80gb_is_an_a100_large() -> None:
    assert offered_skus([a100_80gb(0)]) == ["cpu", "gpu-a100-large"]


def test_two_a100s_with_80gb_offer_the_2x_sku() -> None:
    assert offered_skus([a100_80gb(0), a100_80gb(1)]) == [
        "cpu",
        "gpu-a100-large",
        "gpu-a100-large-2x",
    ]


def test_a_40gb_a100_does_not_make_up_a_pair_with_an_80gb_one() -> None:
    assert "gpu-a100-large-2x" not in offered_skus([a100_80gb(0), a100_40gb(1)])


def test_one_h100_offers_the_h100_sku_but_not_the_pair() -> None:
    assert offered_skus([h100(0)]) == ["cpu", "gpu-h100"]


def test_two_h100s_offer_the_2x_sku() -> None:
    assert offered_skus([h100(0), h100(1)]) == ["cpu", "gpu-h100", "gpu-h100-2x"]


def test_the_family_matches_the_name_whatever_its_case() -> None:
    assert "gpu-t4" in offered_skus([Card(0, "TESLA t4", 15360)])


def test_the_family_must_be_a_whole_word_of_the_name() -> None:
    assert offered_skus([Card(0, "NVIDIA RTX A4000", 16376)]) == ["cpu"]


def test_l40s_and_a40_cards_offer_their_skus() -> None:
    offered = offered_skus([Card(0, "NVIDIA L40S", 46068), Card(1, "NVIDIA A40", 46068)])

    assert offered == ["cpu", "gpu-a40-small", "gpu-a40-large", "gpu-l40s"]


def test_cpu_needs_no_devices() -> None:
    assert pick_devices("cpu", []) == []


def test_a_gpu_sku_gets_a_fitting_free_gpu() -> None:
    assert pick_devices("gpu-t4", [a100_80gb(0), t4(3)]) == [3]


def test_a_2x_sku_gets_the_two_lowest_fitting_indices() -> None:
    assert pick_devices("gpu-h100-2x", [h100(5), h100(2), t4(0), h100(4)]) == [2, 4]


def test_a_gpu_sku_without_enough_fitting_gpus_cannot_be_served() -> None:
    assert pick_devices("gpu-a100-large-2x", [a100_80gb(0), a100_40gb(1)]) is None


def test_a_gpu_sku_with_no_free_gpus_cannot_be_served() -> None:
    assert pick_devices("gpu-t4", []) is None


def test_an_unknown_sku_cannot_be_served() -> None:
    assert pick_devices("gpu-b200", [h100(0)]) is None
