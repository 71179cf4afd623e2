"""Each cookbook example end to end on the emulator: exit code 0 and the key output."""

from __future__ import annotations

import re

import pytest

from cookbook.chain_basics import main as chain_basics
from cookbook.contact_centre import main as contact_centre
from cookbook.flagship_agent import main as flagship
from cookbook.structured_extraction import main as extraction
from cookbook.supervisor import main as supervisor

pytestmark = pytest.mark.timeout(60)


def test_flagship_streams_calls_tools_remembers_and_caches(capsys):
    assert flagship.main([]) == 0
    out = capsys.readouterr().out
    assert "встроенный эмулятор" in out
    assert 'convert_currency({"amount": 1500.0, "from_currency": "USD"})' in out
    assert "144600" in out
    assert 'calculate({"expression": "144600 * 0.015"})' in out
    assert "= 2169" in out
    cache_reads = [int(value) for value in re.findall(r"cache_read=(\d+)", out)]
    assert len(cache_reads) == 3
    assert cache_reads[1] > 0
    assert "в истории диалога 12 сообщений" in out


def test_flagship_product_lookup(capsys):
    assert flagship.main(["-q", "Подбери дебетовую карту с кешбэком"]) == 0
    out = capsys.readouterr().out
    assert "find_bank_products(" in out
    assert "debit_veter" in out


def test_flagship_memory_persists_in_sqlite_file(tmp_path, capsys):
    db = tmp_path / "memory.sqlite"
    args = ["--db", str(db), "--thread-id", "t-1", "-q", "Посчитай 2 + 2"]
    assert flagship.main(args) == 0
    assert flagship.main(args) == 0
    out = capsys.readouterr().out
    assert "в истории диалога 4 сообщений" in out
    assert "в истории диалога 8 сообщений" in out


def test_contact_centre_rag_crm_and_approval(capsys):
    assert contact_centre.main(["--lexical"]) == 0
    out = capsys.readouterr().out
    assert "search_bank_documents(" in out
    assert "debit_card_veter.md" in out
    assert 'get_account_balance({"account_id": "ACC-100101"})' in out
    assert "48250.75" in out
    assert 'на подтверждение: block_card({"card_last4": "4821", "reason": "lost"})' in out
    assert "одобрено" in out
    assert "block CARD-500101 reason=lost" in out
    assert out.count("🎫 ") == 3


def test_contact_centre_operator_rejection_changes_nothing(capsys):
    question = "Я потерял карту 4821, заблокируйте её, пожалуйста"
    assert contact_centre.main(["--lexical", "--operator", "reject", "-q", question]) == 0
    out = capsys.readouterr().out
    assert "отклонено" in out
    assert "журнал изменений: пусто" in out


def test_structured_extraction_all_records_valid(capsys):
    assert extraction.main(["--max-concurrency", "2"]) == 0
    out = capsys.readouterr().out
    assert "валидных записей: 6/6" in out
    assert re.search(r"совпадение с эталоном: \d+%", out)
    for name in ("loan_application_02.txt", "complaint_01.txt", "card_block_request.txt"):
        assert f"✅ {name}" in out


def test_supervisor_routes_to_both_specialists(capsys):
    assert supervisor.main([]) == 0
    out = capsys.readouterr().out
    assert "[route] supervisor → cards" in out
    assert "[route] supervisor → loans" in out
    assert "card_blocking.md" in out


def test_chain_basics_all_checks(capsys):
    assert chain_basics.main([]) == 0
    out = capsys.readouterr().out
    assert "проверки: chain=ok, batch=ok, fallbacks=ok, tools=ok" in out
    assert "'from_currency': 'EUR'" in out


def test_parallel_tools_v2_runs_two_calls_of_one_turn_at_once(capsys):
    from cookbook.parallel_tools_v2 import main as parallel_v2

    assert parallel_v2.main(["--draw"]) == 0
    out = capsys.readouterr().out
    assert "один ход модели, 2 вызова" in out
    assert 'get_exchange_rate({"currency": "USD"})' in out
    assert 'get_account_balance({"account_id": "ACC-100101"})' in out
    assert "48250.75" in out
    assert "image/jpeg" in out


def test_parallel_tools_v2_fails_when_the_tools_run_one_after_another(monkeypatch, capsys):
    import threading

    from cookbook.parallel_tools_v2 import main as parallel_v2

    lock = threading.Lock()
    original = parallel_v2.agent_tools

    def one_at_a_time():
        tools = []
        for tool in original():
            inner = tool.func

            def run(*args, _inner=inner, **kwargs):
                with lock:
                    return _inner(*args, **kwargs)

            tools.append(tool.model_copy(update={"func": run}))
        return tools

    monkeypatch.setattr(parallel_v2, "agent_tools", one_at_a_time)
    assert parallel_v2.main([]) == 1
    out = capsys.readouterr().out
    assert "один ход модели, 2 вызова" in out
    seconds = float(re.search(r"инструменты: ([0-9.]+) с", out).group(1))
    assert seconds >= 2 * parallel_v2.BACKEND_DELAY
