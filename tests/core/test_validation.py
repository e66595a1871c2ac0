import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.problems import codes
from faktura.core.validation import (
    COUNTRY_CODES,
    EAS_SCHEMES,
    EAS_VAT_SCHEMES,
    EU_COUNTRIES,
    derived_peppol_id,
    is_eu_country,
    is_valid_country,
    is_valid_leitweg_id,
    leitweg_id_problems,
    mod97_10_check_digits,
    normalize_leitweg_id,
    normalize_peppol_id,
    peppol_id_problems,
    split_peppol_id,
)


def test_countries():
    assert len(COUNTRY_CODES) == 249
    for code in ("DE", "AT", "CH", "GB", "US", "JP", "SS", "BQ", "AX"):
        assert is_valid_country(code), code
    for code in ("de", "EL", "XK", "UK", "DDR", "", "EU"):
        assert not is_valid_country(code), code
    assert EU_COUNTRIES <= COUNTRY_CODES
    assert len(EU_COUNTRIES) == 27
    assert is_eu_country("GR") and not is_eu_country("CH") and not is_eu_country("GB")


@pytest.mark.parametrize("value", ["04011000-1234512345-06", "991-33333TEST-33"])
def test_known_valid_leitweg_ids(value):
    assert leitweg_id_problems(value) == []
    assert is_valid_leitweg_id(value)


def test_leitweg_normalisation():
    assert normalize_leitweg_id("  991-33333test-33 ") == "991-33333TEST-33"
    assert is_valid_leitweg_id("991-33333test-33")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ["leitweg_id_empty"]),
        ("04011000", ["leitweg_id_format"]),
        ("04011000-1234512345-07", ["leitweg_id_check"]),
        ("0-1234512345-06", ["leitweg_id_coarse"]),
        ("1234567890123-06", ["leitweg_id_coarse"]),
        ("0401100A-06", ["leitweg_id_coarse"]),
        ("04011000-12345_12345-06", ["leitweg_id_fine"]),
        ("04011000-" + "1" * 31 + "-06", ["leitweg_id_fine"]),
        ("04011000--06", ["leitweg_id_fine"]),
        ("04011000-1234512345-6", ["leitweg_id_check"]),
        ("04011000-12345-12345-06", ["leitweg_id_format"]),
    ],
)
def test_invalid_leitweg_ids(value, expected):
    problems = leitweg_id_problems(value)
    assert codes(problems) == expected
    assert all(p.path == "leitweg_id" for p in problems)


def test_wrong_check_number_message_names_the_expected_one():
    [problem] = leitweg_id_problems("04011000-1234512345-99")
    assert "06" in problem.message


coarse = st.text(alphabet="0123456789", min_size=2, max_size=12)
fine = st.none() | st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=30)


@given(coarse, fine)
def test_computed_check_digits_validate(coarse_address, fine_address):
    payload = coarse_address + (fine_address or "")
    check = mod97_10_check_digits(payload)
    parts = [coarse_address, *([fine_address] if fine_address else []), check]
    assert is_valid_leitweg_id("-".join(parts))


@given(coarse, st.data())
def test_changing_one_digit_breaks_the_check(coarse_address, data):
    valid = f"{coarse_address}-{mod97_10_check_digits(coarse_address)}"
    index = data.draw(st.integers(0, len(coarse_address) - 1))
    digit = data.draw(st.sampled_from([c for c in "0123456789" if c != coarse_address[index]]))
    broken = valid[:index] + digit + valid[index + 1 :]
    assert codes(leitweg_id_problems(broken)) == ["leitweg_id_check"]


# --- Peppol participant identifiers (issue 9, finding 1) -------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0088:4012345000009",
        "9930:DE123456789",
        "9930:de123456789",
        " 0204:04011000-1234512345-06 ",
        "0192:987654325",
        "9944:NL123456789B01",
    ],
)
def test_valid_peppol_ids(value):
    assert peppol_id_problems(value) == []


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "peppol_id_format"),
        ("4012345000009", "peppol_id_format"),
        ("EM:rechnung@example.com", "peppol_id_scheme"),
        ("1234:abc", "peppol_id_scheme"),
        ("0088:4012345000008", "peppol_id_gln"),
        ("0088:40123450", "peppol_id_gln"),
        ("0204:04011000-1234512345-07", "leitweg_id_check"),
        ("9930:123456789", "peppol_id_value"),
        ("0088:", "peppol_id_format"),
    ],
)
def test_invalid_peppol_ids(value, code):
    found = peppol_id_problems(value, "contact.peppol_id")
    assert codes(found) == [code]
    assert found[0].path == "contact.peppol_id"


def test_peppol_id_normalisation_and_split():
    assert normalize_peppol_id(" 9930 : de 123456789 ") == "9930:DE123456789"
    assert split_peppol_id("0088:4012345000009") == ("0088", "4012345000009")
    assert split_peppol_id("no-scheme") == ("", "")


def test_derived_peppol_ids():
    # the Leitweg-ID wins: it is what a public customer is addressed by
    assert (
        derived_peppol_id(leitweg_id="04011000-1234512345-06", vat_id="DE123456789")
        == "0204:04011000-1234512345-06"
    )
    assert derived_peppol_id(vat_id="DE 123 456 789") == "9930:DE123456789"
    assert derived_peppol_id(vat_id="ATU13585627") == "9914:ATU13585627"
    assert derived_peppol_id(vat_id="ELO94259216") == "9933:ELO94259216"
    # no EAS VAT scheme for Sweden, and nothing without an identifier
    assert derived_peppol_id(vat_id="SE556036079301") == ""
    assert derived_peppol_id() == ""
    # every derived scheme is on the EAS list
    assert set(EAS_VAT_SCHEMES.values()) <= EAS_SCHEMES
