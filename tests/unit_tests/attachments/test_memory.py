"""UploadMemory: a call owns its fresh uploads until it settles; a file another call took stays."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.attachments.memory import CallToken, UploadMemory
from langchain_gigachat_ext.attachments.resolved import ResolvedFile

KEY_A, KEY_B = ("a" * 64, "application/pdf"), ("b" * 64, "application/pdf")
FILE_A, FILE_B = ResolvedFile("id-a", "document", 1), ResolvedFile("id-b", "document", 1)


@pytest.mark.parametrize("cache_size", [0, 4])
def test_a_failed_call_disowns_its_own_uploads(cache_size: int) -> None:
    memory = UploadMemory(cache_size)
    first, second = CallToken(), CallToken()
    memory.remember_upload(KEY_A, FILE_A, first)
    memory.remember_upload(KEY_B, FILE_B, second)
    assert memory.disown(first) == ["id-a"]
    assert memory.cached(KEY_A) is None
    assert memory.known_card("id-a") is None
    assert memory.uploaded_file_ids == ["id-b"]
    assert memory.disown(first) == []  # nothing left to disown


def test_a_file_taken_by_another_call_is_shared() -> None:
    memory = UploadMemory(4)
    owner, other = CallToken(), CallToken()
    memory.remember_upload(KEY_A, FILE_A, owner)
    memory.remember_upload(KEY_B, FILE_B, owner)
    assert memory.cached(KEY_A, owner) == FILE_A  # the owner's own lookups share nothing
    assert memory.cached(KEY_A, other) == FILE_A
    assert memory.known_card("id-b", other) == FILE_B
    assert memory.disown(owner) == []
    assert memory.cached(KEY_A) == FILE_A
    assert memory.uploaded_file_ids == ["id-a", "id-b"]


def test_a_settled_call_owns_nothing() -> None:
    memory = UploadMemory(4)
    call = CallToken()
    memory.remember_upload(KEY_A, FILE_A, call)
    memory.settle(call)
    assert memory.disown(call) == []
    assert memory.cached(KEY_A) == FILE_A


def test_undeleted_files_can_be_listed_again() -> None:
    memory = UploadMemory(4)
    memory.keep_uploaded(["id-x"])
    assert memory.uploaded_file_ids == ["id-x"]
    memory.forget(["id-x"])
    assert memory.uploaded_file_ids == []
