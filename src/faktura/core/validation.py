"""Small pure validators for master data the Django layer checks (countries, Leitweg-IDs).

VAT IDs and IBANs are checked with python-stdnum and schwifty in the apps, not here.
"""

from __future__ import annotations

import re

from babel import Locale
from stdnum.iso7064 import mod_97_10

from faktura.core.problems import Problem, error
from faktura.core.translation import gettext_lazy as _

# ISO 3166-1 alpha-2, the officially assigned codes, from the CLDR territory list Babel ships.
# CLDR also names codes that are not countries: ISO's user-assigned ranges (AA, QM-QZ, XA-XZ,
# ZZ; Kosovo is XK), its exceptionally reserved codes (AC, CP, CQ, DG, EA, EU, EZ, IC, TA, UN)
# and its numeric regions; VAT prefixes such as EL (Greece) or XI are not countries either.
_EXCEPTIONALLY_RESERVED = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "TA", "UN"})


def _user_assigned(code: str) -> bool:
    return code in {"AA", "ZZ"} or code[0] == "X" or (code[0] == "Q" and code[1] >= "M")


COUNTRY_CODES = frozenset(
    code
    for code in map(str, Locale("en").territories)
    if len(code) == 2
    and code.isalpha()
    and code not in _EXCEPTIONALLY_RESERVED
    and not _user_assigned(code)
)

EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip


def is_valid_country(code: str) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code, written in upper case (``"DE"``)."""
    return isinstance(code, str) and code in COUNTRY_CODES


def is_eu_country(code: str) -> bool:
    """True for an EU member state (ISO code: Greece is ``GR`` here, ``EL`` only in VAT IDs)."""
    return code in EU_COUNTRIES


# --- Leitweg-ID -----------------------------------------------------------------------------
# Leitweg-ID (KoSIT spec. 2.0.2): coarse address of 2-12 digits, optional fine address of up to
# 30 letters/digits, and 2 check digits per ISO/IEC 7064 MOD 97-10, all joined by '-'.
_LEITWEG = re.compile(r"(?P<coarse>[^-]*)(?:-(?P<fine>[^-]*))?-(?P<check>[^-]*)")
_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Z]+")


def normalize_leitweg_id(value: str) -> str:
    """The canonical spelling: surrounding whitespace removed, letters upper case. It does not
    validate; use ``leitweg_id_problems``."""
    return value.strip().upper()


def mod97_10_check_digits(payload: str) -> str:
    """ISO/IEC 7064 MOD 97-10 check digits for ``payload`` (digits and A-Z, A=10 .. Z=35),
    as used by IBAN and the Leitweg-ID (python-stdnum's implementation)."""
    return str(mod_97_10.calc_check_digits(payload))


def leitweg_id_problems(value: str) -> list[Problem]:
    """All problems of a Leitweg-ID (path ``"leitweg_id"``); empty list = valid.

    The value is normalised first (``normalize_leitweg_id``), so lower-case letters are fine.
    """
    path = "leitweg_id"
    text = normalize_leitweg_id(value)
    if not text:
        return [error("leitweg_id_empty", _("The Leitweg-ID is empty."), path)]
    match = _LEITWEG.fullmatch(text)
    if match is None:
        return [
            error(
                "leitweg_id_format",
                _(
                    "A Leitweg-ID is COARSE-CHECK or COARSE-FINE-CHECK, "
                    "e.g. 04011000-1234512345-06."
                ),
                path,
            )
        ]
    coarse, fine, check = match.group("coarse"), match.group("fine"), match.group("check")
    problems: list[Problem] = []
    if not (_DIGITS.fullmatch(coarse) and 2 <= len(coarse) <= 12):
        problems.append(
            error("leitweg_id_coarse", _("The coarse address must be 2 to 12 digits."), path)
        )
    if fine is not None and not (_ALNUM.fullmatch(fine) and len(fine) <= 30):
        problems.append(
            error(
                "leitweg_id_fine",
                _("The fine address must be 1 to 30 letters or digits."),
                path,
            )
        )
    if not (_DIGITS.fullmatch(check) and len(check) == 2):
        problems.append(error("leitweg_id_check", _("The check number must be 2 digits."), path))
    if not problems and not mod_97_10.is_valid(coarse + (fine or "") + check):
        expected = mod97_10_check_digits(coarse + (fine or ""))
        problems.append(
            error(
                "leitweg_id_check",
                _("The check number does not match (expected %(expected)s)."),
                path,
                expected=expected,
            )
        )
    return problems


def is_valid_leitweg_id(value: str) -> bool:
    return not leitweg_id_problems(value)


# --- Peppol participant identifiers ---------------------------------------------------------
# An electronic address (BT-34, BT-49) in Peppol is "scheme:value" with a scheme from the EAS
# code list (Peppol BIS Billing 3.0, rule PEPPOL-EN16931-CL008; e-mail "EM" is not allowed).
# The list is the one the Peppol BIS 3.0.19 schematron checks against.
_EAS_TEXT = """
    0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177
    0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205
    0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0221 0225 0230 0235 0240 9910 9913 9914
    9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935
    9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953
    9957 9959
"""
EAS_SCHEMES = frozenset(_EAS_TEXT.split())
EAS_GLN = "0088"
EAS_LEITWEG_ID = "0204"
# The EAS scheme of each country's VAT identification number (value: the VAT ID with its
# country prefix, e.g. 9930:DE123456789). Countries without a VAT scheme in the list (SE, DK,
# IT use other identifiers) have no derived address.
EAS_VAT_SCHEMES = {
    "AT": "9914", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929",
    "DE": "9930", "EE": "9931", "ES": "9920", "FI": "0213", "FR": "9957", "GB": "9932",
    "GR": "9933", "EL": "9933", "HR": "9934", "HU": "9910", "IE": "9935", "LI": "9936",
    "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942",
    "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948",
    "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953",
}  # fmt: skip
_PEPPOL_VALUE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:/+-]{0,134}")


def normalize_peppol_id(value: str) -> str:
    """``scheme:value`` without surrounding or inner spaces; letters of a VAT value upper case.
    It does not validate; use ``peppol_id_problems``."""
    text = "".join(value.split())
    scheme, sep, rest = text.partition(":")
    if not sep:
        return text
    if scheme in EAS_VAT_SCHEMES.values():
        rest = rest.upper()
    return f"{scheme}:{rest}"


def split_peppol_id(value: str) -> tuple[str, str]:
    """``("0088", "4012345000009")`` from ``"0088:4012345000009"``; ``("", "")`` when the text
    is not ``scheme:value``. It does not validate."""
    scheme, sep, rest = normalize_peppol_id(value).partition(":")
    return (scheme, rest) if sep and scheme and rest else ("", "")


def _gln_valid(digits: str) -> bool:
    """GS1 check digit of a 13-digit GLN (weights 1 and 3 from the left)."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def peppol_id_problems(value: str, path: str = "peppol_id") -> list[Problem]:
    """All problems of a Peppol participant identifier ``scheme:value``; empty list = valid.

    Checked: the form, the scheme against the EAS code list (CL008), a GLN's check digit
    (0088, PEPPOL-COMMON-R040), a Leitweg-ID (0204) as such, and that a VAT scheme's value
    starts with a country prefix.
    """
    text = normalize_peppol_id(value)
    scheme, identifier = split_peppol_id(text)
    if not scheme:
        return [
            error(
                "peppol_id_format",
                _("A Peppol ID is SCHEME:VALUE, e.g. 0088:4012345000009 or 9930:DE123456789."),
                path,
            )
        ]
    if scheme not in EAS_SCHEMES:
        return [
            error(
                "peppol_id_scheme",
                _(
                    "%(scheme)s is not an electronic address scheme of the EAS code list "
                    "(e.g. 0088 GLN, 0204 Leitweg-ID, 9930 German VAT ID)."
                ),
                path,
                scheme=repr(scheme),
            )
        ]
    if not _PEPPOL_VALUE.fullmatch(identifier):
        return [
            error("peppol_id_value", _("The Peppol ID has no valid value after the ':'."), path)
        ]
    if scheme == EAS_GLN and not _gln_valid(identifier):
        return [
            error("peppol_id_gln", _("A GLN (0088) has 13 digits with a valid check digit."), path)
        ]
    if scheme == EAS_LEITWEG_ID:
        return [problem.with_path(path) for problem in leitweg_id_problems(identifier)]
    if scheme in EAS_VAT_SCHEMES.values() and not identifier[:2].isalpha():
        return [
            error(
                "peppol_id_value",
                _("A VAT ID as Peppol ID starts with its country prefix, e.g. 9930:DE123456789."),
                path,
            )
        ]
    return []


def derived_peppol_id(*, leitweg_id: str = "", vat_id: str = "") -> str:
    """The Peppol ID that follows from other identifiers: a Leitweg-ID (``0204``), else a VAT
    ID with its country's EAS scheme (``9930:DE…``); ``""`` when nothing applies."""
    if leitweg_id.strip():
        return f"{EAS_LEITWEG_ID}:{normalize_leitweg_id(leitweg_id)}"
    compact = "".join(vat_id.split()).upper()
    scheme = EAS_VAT_SCHEMES.get(compact[:2])
    if scheme and len(compact) > 2:
        return f"{scheme}:{compact}"
    return ""
