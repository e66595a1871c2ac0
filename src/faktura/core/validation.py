"""Small pure validators for master data the Django layer checks (countries, Leitweg-IDs).

VAT IDs and IBANs are checked with python-stdnum and schwifty in the apps, not here.
"""

from __future__ import annotations

import re

from faktura.core.problems import Problem, error

# ISO 3166-1 alpha-2, all officially assigned codes (249). User-assigned codes such as XK
# (Kosovo) and VAT prefixes such as EL (Greece) or XI (Northern Ireland) are not countries.
_COUNTRIES_TEXT = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
ZW
"""
COUNTRY_CODES = frozenset(_COUNTRIES_TEXT.split())

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
    as used by IBAN and the Leitweg-ID: ``98 - (int(payload + "00") mod 97)``."""
    return f"{98 - _mod97(payload + '00'):02d}"


def _mod97(text: str) -> int:
    digits = "".join(str(int(char, 36)) for char in text)
    return int(digits) % 97


def leitweg_id_problems(value: str) -> list[Problem]:
    """All problems of a Leitweg-ID (path ``"leitweg_id"``); empty list = valid.

    The value is normalised first (``normalize_leitweg_id``), so lower-case letters are fine.
    """
    path = "leitweg_id"
    text = normalize_leitweg_id(value)
    if not text:
        return [error("leitweg_id_empty", "The Leitweg-ID is empty.", path)]
    match = _LEITWEG.fullmatch(text)
    if match is None:
        return [
            error(
                "leitweg_id_format",
                "A Leitweg-ID is COARSE-CHECK or COARSE-FINE-CHECK, e.g. 04011000-1234512345-06.",
                path,
            )
        ]
    coarse, fine, check = match.group("coarse"), match.group("fine"), match.group("check")
    problems: list[Problem] = []
    if not (_DIGITS.fullmatch(coarse) and 2 <= len(coarse) <= 12):
        problems.append(
            error("leitweg_id_coarse", "The coarse address must be 2 to 12 digits.", path)
        )
    if fine is not None and not (_ALNUM.fullmatch(fine) and len(fine) <= 30):
        problems.append(
            error(
                "leitweg_id_fine",
                "The fine address must be 1 to 30 letters or digits.",
                path,
            )
        )
    if not (_DIGITS.fullmatch(check) and len(check) == 2):
        problems.append(error("leitweg_id_check", "The check number must be 2 digits.", path))
    if not problems and _mod97(coarse + (fine or "") + check) != 1:
        expected = mod97_10_check_digits(coarse + (fine or ""))
        problems.append(
            error(
                "leitweg_id_check",
                f"The check number does not match (expected {expected}).",
                path,
            )
        )
    return problems


def is_valid_leitweg_id(value: str) -> bool:
    return not leitweg_id_problems(value)
