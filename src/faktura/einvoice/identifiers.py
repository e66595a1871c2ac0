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
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from faktura.core.problems import Problem, error
from faktura.core.validation import peppol_id_problems as _form_problems
from faktura.core.validation import split_peppol_id

# scheme -> (what it is, the digits Peppol expects, the check digit test)
_NATIONAL: dict[str, tuple[str, str, Callable[[str], bool]]] = {
    "0007": ("Swedish organisation number", r"[0-9]{10}", se_orgnr.is_valid),  # R049
    "0151": ("Australian Business Number", r"[0-9]{11}", abn.is_valid),  # R050
    "0192": ("Norwegian organisation number", r"[0-9]{9}", no_orgnr.is_valid),  # R041
    "0208": ("Belgian enterprise number", r"[0-9]{10}", be_vat.is_valid),  # R043
}


def peppol_id_problems(value: str, path: str = "peppol_id") -> list[Problem]:
    """Every problem of a Peppol ID ``scheme:value`` (empty list = Peppol accepts it)."""
    found = _form_problems(value, path)
    if found:
        return found
    scheme, identifier = split_peppol_id(value)
    rule = _NATIONAL.get(scheme)
    if rule is not None:
        label, digits, valid = rule
        if not (re.fullmatch(digits, identifier) and valid(identifier)):
            return [
                error(
                    "peppol_id_value",
                    f"{identifier!r} is not a valid {label} (scheme {scheme}).",
                    path,
                )
            ]
    return []
