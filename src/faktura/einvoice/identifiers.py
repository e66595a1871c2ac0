"""Peppol participant identifiers checked the way the Peppol BIS rules check them.

``core.validation.peppol_id_problems`` checks the form, the EAS scheme, a GLN and a Leitweg-ID;
here the national identifiers whose format Peppol verifies (PEPPOL-COMMON-R041 to R050) are
checked with python-stdnum as well, so an ID that Peppol would reject is refused at input and
reported by the pre-check instead of producing an invalid document.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from faktura.core.problems import Problem, error
from faktura.core.translation import Text
from faktura.core.translation import gettext_lazy as _
from faktura.core.validation import is_eu_country, split_peppol_id
from faktura.core.validation import peppol_id_problems as _form_problems

# scheme -> (what it is, the digits Peppol expects, the check digit test)
_NATIONAL: dict[str, tuple[Text, str, Callable[[str], bool]]] = {
    "0007": (
        _("%(value)s is not a valid Swedish organisation number (scheme %(scheme)s)."),
        r"[0-9]{10}",
        se_orgnr.is_valid,
    ),  # R049
    "0151": (
        _("%(value)s is not a valid Australian Business Number (scheme %(scheme)s)."),
        r"[0-9]{11}",
        abn.is_valid,
    ),  # R050
    "0192": (
        _("%(value)s is not a valid Norwegian organisation number (scheme %(scheme)s)."),
        r"[0-9]{9}",
        no_orgnr.is_valid,
    ),  # R041
    "0208": (
        _("%(value)s is not a valid Belgian enterprise number (scheme %(scheme)s)."),
        r"[0-9]{10}",
        be_vat.is_valid,
    ),  # R043
}


def peppol_id_problems(value: str, path: str = "peppol_id") -> list[Problem]:
    """Every problem of a Peppol ID ``scheme:value`` (empty list = Peppol accepts it)."""
    found = _form_problems(value, path)
    if found:
        return found
    scheme, identifier = split_peppol_id(value)
    rule = _NATIONAL.get(scheme)
    if rule is not None:
        message, digits, valid = rule
        if not (re.fullmatch(digits, identifier) and valid(identifier)):
            return [error("peppol_id_value", message, path, value=repr(identifier), scheme=scheme)]
    return []


# VAT ID prefixes of the EU member states (Greece writes EL in VAT IDs).
EU_VAT_PREFIXES = frozenset({*(c.upper() for c in eu_vat.MEMBER_STATES), "EL"})


def vat_id_check(value: str, country: str = "") -> tuple[str, str | None]:
    """The one VAT-ID check: the compact form of `value` and the code of its problem (None = ok).

    An id with an EU prefix must pass its check digits (python-stdnum). A party in an EU
    country needs such an id (``vat_id_not_eu``). A party outside the EU (or of unknown
    country) may have any id of its country (CH, GB, NO ...): it is accepted as given, in
    its compact form, as long as it starts with a country prefix (BR-CO-09, ``vat_id_prefix``).
    Codes: ``vat_id_prefix``, ``vat_id_invalid``, ``vat_id_not_eu``.
    """
    compact = re.sub(r"[\s.\-/]", "", value or "").upper()
    if not compact:
        return "", None
    if len(compact) < 3 or not compact[:2].isalpha():
        return compact, "vat_id_prefix"
    if compact[:2] in EU_VAT_PREFIXES:
        try:
            return str(eu_vat.validate(compact)), None
        except StdnumError:
            return compact, "vat_id_invalid"
    if country and is_eu_country(country.upper()):
        return compact, "vat_id_not_eu"
    return compact, None
