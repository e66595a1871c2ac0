from decimal import Decimal

import pytest

from faktura.core.problems import (
    Problem,
    codes,
    error,
    errors,
    has_errors,
    join_path,
    prefixed,
    warning,
    warnings,
)


def test_problem_defaults_to_error_and_refuses_unknown_severity():
    assert Problem("x", "message").severity == "error"
    with pytest.raises(ValueError):
        Problem("x", "message", severity="fatal")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Problem("", "message")


def test_helpers_split_and_prefix_problems():
    found = [error("a", "A", "quantity"), warning("b", "B"), error("c", "C", "[0]")]
    assert codes(errors(found)) == ["a", "c"]
    assert codes(warnings(found)) == ["b"]
    assert has_errors(found)
    assert not has_errors(warnings(found))
    assert [p.path for p in prefixed(found, "lines[2]")] == [
        "lines[2].quantity",
        "lines[2]",
        "lines[2][0]",
    ]
    assert join_path("", "x") == "x"
    assert found[0].as_dict() == {
        "code": "a",
        "message": "A",
        "path": "quantity",
        "severity": "error",
    }
    assert found[0].is_error and not found[1].is_error


def test_params_travel_with_the_problem_and_show_in_its_data_only_when_given():
    plain = error("no_price", "The unit price is 0.", "unit_price")
    assert "params" not in plain.as_dict()

    found = Problem("unprintable_text", '"x" ...', "title", "error", (("text", "x"),))
    moved = found.at("lines[2]")

    assert moved.path == "lines[2].title"
    assert moved.params == (("text", "x"),)
    assert moved.as_dict()["params"] == {"text": "x"}


def test_a_message_is_its_template_filled_with_the_params_in_the_active_language():
    from faktura.core import translation
    from faktura.core.translation import gettext_lazy

    found = error(
        "quantity_implausible",
        gettext_lazy("Billed %(billed)s, logged %(logged)s."),
        "lines[0].quantity",
        billed=Decimal("12.5"),
        logged=Decimal("2"),
    )
    about = found.about("Printer")

    assert found.params == (("billed", "12.5"), ("logged", "2"))
    assert found.message == "Billed 12.5, logged 2."
    assert about.message == "Printer: Billed 12.5, logged 2."
    assert about.with_params(billed="12:30").message == "Printer: Billed 12:30, logged 2."
    assert about.as_dict() == {
        "code": "quantity_implausible",
        "message": "Printer: Billed 12.5, logged 2.",
        "path": "lines[0].quantity",
        "severity": "error",
        "params": {"billed": "12.5", "logged": "2"},
    }
    shouted = {"Billed %(billed)s, logged %(logged)s.": "BILLED %(billed)s / %(logged)s"}
    previous = translation._translate
    translation.install(lambda msgid: shouted.get(msgid, msgid))
    try:
        # translated each time it is read; a translation missing a value falls back to English
        assert found.message == "BILLED 12.5 / 2"
        shouted["Billed %(billed)s, logged %(logged)s."] = "BILLED %(unknown)s"
        assert found.message == "Billed 12.5, logged 2."
    finally:
        translation.install(previous)
