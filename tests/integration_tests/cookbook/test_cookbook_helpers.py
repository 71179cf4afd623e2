"""Pure helpers of the cookbook: calculator, currency conversion, token bucket, annuity."""

from __future__ import annotations

import pytest

from cookbook._shared.runtime import has_real_credentials
from cookbook.backend_proxy.limits import TokenBucket, client_for_key, parse_api_keys
from cookbook.flagship_agent.tools import CalculatorError, convert, safe_eval, search_products
from cookbook.supervisor.main import annuity_payment


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 2", 4.0),
        ("(1500 * 96.4) * 0.015", 2169.0),
        ("1,5 * 2", 3.0),
        ("15% * 200", 30.0),
        ("-3 ** 2", -9.0),
        ("7 // 2 + 7 % 2", 4.0),
    ],
)
def test_safe_eval_computes(expression, expected):
    assert safe_eval(expression) == pytest.approx(expected)


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "abs(-1)", "2 ** 1000", "1 / 0", "x + 1", "9" * 300, "[1, 2]"],
)
def test_safe_eval_rejects(expression):
    with pytest.raises(CalculatorError):
        safe_eval(expression)


@pytest.mark.parametrize(
    ("amount", "source", "target", "expected"),
    [
        (1500, "USD", "RUB", 144600.0),
        (9980, "RUB", "USD", 100.0),
        (1000, "jpy", "RUB", 612.0),
        (100, "EUR", "USD", 104.31),
    ],
)
def test_convert(amount, source, target, expected):
    assert convert(amount, source, target)["result"] == pytest.approx(expected)


def test_convert_rejects_unknown_currency():
    with pytest.raises(ValueError, match="XYZ"):
        convert(1, "XYZ", "RUB")


def test_search_products_ranks_credit_card_first():
    assert search_products("кредитная карта")[0]["id"] == "credit_uragan"


def test_token_bucket_bursts_then_waits():
    now = [0.0]
    bucket = TokenBucket(capacity=2, rate=0.5, clock=lambda: now[0])
    assert bucket.take() == 0
    assert bucket.take() == 0
    assert bucket.take() == pytest.approx(2.0)
    now[0] = 2.0
    assert bucket.take() == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("a:alice, b:bob", {"a": "alice", "b": "bob"}), ("solo", {"solo": "solo"}), ("", {})],
)
def test_parse_api_keys(spec, expected):
    assert parse_api_keys(spec) == expected


def test_client_for_key():
    keys = {"k1": "alice"}
    assert client_for_key("k1", keys) == "alice"
    assert client_for_key("k2", keys) is None


def test_annuity_payment_matches_bank_document_example():
    # consumer_loan.md: 500 000 ₽, 36 months, 19.9% → "около 18 556 ₽"
    assert annuity_payment(500_000, 19.9, 36) == pytest.approx(18_556, abs=1)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"GIGACHAT_CREDENTIALS": "abc"}, True),
        ({"GIGACHAT_USER": "u"}, False),
        ({"GIGACHAT_USER": "u", "GIGACHAT_PASSWORD": "p"}, True),
        ({"GIGACHAT_ACCESS_TOKEN": "t"}, True),
    ],
)
def test_has_real_credentials(env, expected):
    assert has_real_credentials(env) is expected
