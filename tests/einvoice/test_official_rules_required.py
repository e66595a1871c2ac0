"""Issue 9: the tests that need ../shared/einvoice fail in CI when it is missing (a skipped
validation must not pass CI), and skip loudly elsewhere."""

from __future__ import annotations

import pytest

from . import official


@pytest.fixture
def rules_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(official, "SHARED_EINVOICE", tmp_path / "no-such-dir")


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_missing_rules_fail_in_ci(rules_missing, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="OFFICIAL E-INVOICE RULES MISSING"):
        official.require_official_rules()


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_missing_rules_skip_outside_ci(rules_missing, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="OFFICIAL E-INVOICE RULES MISSING"):
        official.require_official_rules()


def test_present_rules_neither_fail_nor_skip(monkeypatch):
    monkeypatch.setenv("CI", "true")
    if not (official.SHARED_EINVOICE / "validate.py").is_file():
        pytest.fail("the official rules are expected beside the repository")
    assert official.require_official_rules() is None
