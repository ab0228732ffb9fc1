"""Money and pipeline arithmetic: no database, no Flask."""
from decimal import Decimal

import pytest

from crm.projects.services import (
    PIPELINE,
    compute_funding,
    format_eur,
    format_number_input,
    format_percent,
    next_status,
    parse_decimal,
    previous_status,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12.500,50", "12500.50"),
        ("12500,5", "12500.5"),
        ("12500.50", "12500.50"),
        ("12.500", "12500"),  # German thousands separator, not twelve and a half
        ("1.234.567,89 €", "1234567.89"),
        ("60 %", "60"),
        ("62,5", "62.5"),
        (" 7\u00a0000 ", "7000"),
        ("0", "0"),
        ("-5", "-5"),
        ("1.5", "1.5"),
    ],
)
def test_parse_german_and_plain_numbers(raw, expected):
    assert parse_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_input_is_no_number(raw):
    assert parse_decimal(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12,50,3", "1.23,4", "12.5.6", "1e5", "--3", ","])
def test_garbage_is_refused(raw):
    with pytest.raises(ValueError):
        parse_decimal(raw)


def test_euros_and_percent_are_written_the_german_way():
    assert format_eur(Decimal("210000")) == "210.000,00\u00a0€"
    assert format_eur(Decimal("1234.5")) == "1.234,50\u00a0€"
    assert format_eur(Decimal("1234.5"), cents=False) == "1.235\u00a0€"
    assert format_eur(None) == "" and format_eur(0) == "0,00\u00a0€"
    assert format_percent(Decimal("60.00")) == "60\u00a0%"
    assert format_percent(Decimal("62.50")) == "62,5\u00a0%"
    assert format_number_input(Decimal("12500")) == "12.500,00"
    assert format_number_input(Decimal("60.00"), 0) == "60"


def test_funding_is_eligible_cost_times_rate_to_the_cent_and_capped():
    assert compute_funding(Decimal("350000"), Decimal("60")) == Decimal("210000.00")
    assert compute_funding(Decimal("350000"), Decimal("60"), cap=Decimal("200000")) == Decimal("200000.00")
    assert compute_funding(Decimal("7000"), Decimal("80"), cap=Decimal("10000")) == Decimal("5600.00")
    assert compute_funding(Decimal("333.33"), Decimal("33.33")) == Decimal("111.10")  # 111.0989 rounded half up
    assert compute_funding(None, Decimal("60")) is None
    assert compute_funding(Decimal("1000"), None) is None


def test_pipeline_steps_forward_and_back_and_dropped_stands_aside():
    assert PIPELINE[0] == "idea" and PIPELINE[-1] == "done" and "dropped" not in PIPELINE
    assert next_status("idea") == "advice" and previous_status("advice") == "idea"
    assert next_status("applied") == "approved"
    assert next_status("done") is None and previous_status("idea") is None
    assert next_status("dropped") is None and previous_status("dropped") is None
