"""The rule for absent recordings: a local run skips with the reason, CI (``CI=true``) fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recorded import in_ci, require_recordings


def test_absent_recordings_skip_a_local_run_with_the_reason(tmp_path: Path) -> None:
    absent = tmp_path / "recorded"
    with pytest.raises(pytest.skip.Exception, match=r"not found at .*GIGACHAT_RECORDED_DIR"):
        require_recordings(absent, environ={})


@pytest.mark.parametrize("value", ["true", "True", "1", "yes"])
def test_absent_recordings_fail_a_ci_run(tmp_path: Path, value: str) -> None:
    absent = tmp_path / "recorded"
    with pytest.raises(pytest.fail.Exception, match="CI=true requires the recordings"):
        require_recordings(absent, environ={"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}], ids=["local", "ci"])
def test_present_recordings_are_returned(tmp_path: Path, environ: dict[str, str]) -> None:
    assert require_recordings(tmp_path, environ=environ) == tmp_path


@pytest.mark.parametrize("value", ["", "false", "0", "no"])
def test_other_ci_values_are_a_local_run(value: str) -> None:
    assert not in_ci({"CI": value})
