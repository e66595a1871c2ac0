"""Reading bank statements: CAMT.053 (ISO 20022 XML, with lxml) and MT940 (with the `mt-940`
library) into plain transactions.

A file that is neither, or is cut short (no closing balance, XML that does not end), is refused
as a whole with `StatementInvalid` (400, field `file`): nothing of it is imported. Each
transaction gets a `key` that identifies it across files: the bank's own reference (CAMT
`AcctSvcrRef`, MT940 bank reference) where there is one, else a hash of its fields and of how
many identical transactions came before it in the same file, so importing the same statement
or an overlapping one finds the transactions it has seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from lxml import etree

from faktura.common.errors import ValidationFailed

CAMT053 = "camt053"
MT940 = "mt940"
MAX_BYTES = 20 * 1024 * 1024
MAX_AMOUNT = Decimal(10) ** 12


class StatementInvalid(ValidationFailed):
    """The file is not a complete CAMT.053 or MT940 statement."""

    code = "statement_invalid"


def _invalid(message: str) -> StatementInvalid:
    return StatementInvalid(f"file: {message}", fields={"file": message})


@dataclass(frozen=True)
class StatementLine:
    key: str
    booking_date: dt.date
    value_date: dt.date | None
    amount: Decimal  # negative for a debit
    currency: str
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    bank_reference: str


@dataclass
class ParsedStatement:
    format: str
    account: str  # IBAN (CAMT) or the MT940 account identification
    currency: str
    statement_id: str
    lines: list[StatementLine] = field(default_factory=list)


def parse_statement(content: bytes) -> ParsedStatement:
    """The statement in `content`, whichever of the two formats it is."""
    if not content or not content.strip():
        raise _invalid("The file is empty.")
    if len(content) > MAX_BYTES:
        raise _invalid(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    head = content.lstrip()[:200]
    if head.startswith(b"<"):
        return parse_camt053(content)
    if b":20:" in content[:2000]:
        return parse_mt940(content)
    raise _invalid("Not a CAMT.053 (XML) or MT940 bank statement.")


def _key(account: str, line: dict, seen: Counter) -> str:
    if line["bank_reference"]:
        return f"ref:{account}:{line['bank_reference']}"[:200]
    fields = (account, line["booking_date"].isoformat(), str(line["amount"]), line["currency"],
              line["counterparty_name"], line["counterparty_iban"], line["remittance"])  # fmt: skip
    seen[fields] += 1
    digest = hashlib.sha256("\x1f".join((*fields, str(seen[fields]))).encode()).hexdigest()
    return f"hash:{digest}"


# --- CAMT.053 ---------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _xpath(path: str, namespace: str | None) -> etree.XPath:
    if namespace is None:
        return etree.XPath("/".join(f"*[local-name()='{step}']" for step in path.split("/")))
    steps = "/".join(f"c:{step}" for step in path.split("/"))
    return etree.XPath(steps, namespaces={"c": namespace})


def _local(element, path: str) -> list:
    """Children along a path of local names (CAMT versions differ in their namespace). A CAMT
    statement keeps every element in its version's one namespace, so the path is looked up in
    the element's namespace (twice as fast as comparing local names); an element without one
    is searched by local names."""
    return _xpath(path, etree.QName(element).namespace)(element)


def _text(element, path: str) -> str:
    found = _local(element, path)
    return (found[0].text or "").strip() if found else ""


def _date(element, path: str) -> dt.date | None:
    value = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")[:10]
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise _invalid(f"A date is not valid: {value!r}.") from None


def _amount(element) -> tuple[Decimal, str]:
    nodes = _local(element, "Amt")
    if not nodes:
        raise _invalid("An entry has no amount.")
    try:
        amount = Decimal((nodes[0].text or "").strip())
    except InvalidOperation:
        raise _invalid(f"An amount is not a number: {nodes[0].text!r}.") from None
    _check_amount(amount, nodes[0].text)
    return amount, (nodes[0].get("Ccy") or "").upper()


def _check_amount(amount: Decimal, text) -> None:
    """A booking amount: finite, not negative (the sign is its own field), at most 2 decimals
    and below a trillion (what the amount columns hold)."""
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise _invalid(f"An amount is not valid: {text!r}.")
    if amount.as_tuple().exponent < -2:
        raise _invalid(f"An amount has more than 2 decimals: {text!r}.")


def parse_camt053(content: bytes) -> ParsedStatement:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise _invalid(f"The XML is cut short or broken ({exc.msg}).") from None
    statements = _local(root, "BkToCstmrStmt/Stmt")
    if not root.tag.endswith("Document") or not statements:
        raise _invalid("Not a CAMT.053 statement (no BkToCstmrStmt/Stmt).")
    stmt = statements[0]
    account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
    currency = _text(stmt, "Acct/Ccy").upper()
    result = ParsedStatement(
        format=CAMT053, account=account, currency=currency, statement_id=_text(stmt, "Id")
    )
    seen: Counter = Counter()
    for entry in _local(stmt, "Ntry"):
        entry_amount, entry_currency = _amount(entry)
        sign = -1 if _text(entry, "CdtDbtInd") == "DBIT" else 1
        booking = _date(entry, "BookgDt") or _date(entry, "ValDt")
        if booking is None:
            raise _invalid("An entry has no booking date.")
        details = _local(entry, "NtryDtls/TxDtls") or [None]
        for index, tx in enumerate(details, start=1):
            amount, tx_currency = entry_amount, entry_currency
            if tx is not None and len(details) > 1 and _local(tx, "Amt"):
                amount, tx_currency = _amount(tx)
            node = tx if tx is not None else entry
            party = "Cdtr" if sign < 0 else "Dbtr"
            name = _text(node, f"RltdPties/{party}/Nm") or _text(node, f"RltdPties/{party}/Pty/Nm")
            remittance = " ".join(
                (n.text or "").strip() for n in _local(node, "RmtInf/Ustrd") if n.text
            )
            if not remittance and tx is not None:
                remittance = _text(tx, "RmtInf/Strd/CdtrRefInf/Ref")
            reference = _text(tx, "Refs/AcctSvcrRef") if tx is not None else ""
            if not reference and _text(entry, "AcctSvcrRef"):
                suffix = f"#{index}" if len(details) > 1 else ""
                reference = _text(entry, "AcctSvcrRef") + suffix
            line = {
                "booking_date": booking,
                "amount": amount * sign,
                "currency": tx_currency or currency,
                "counterparty_name": name[:200],
                "counterparty_iban": _text(node, f"RltdPties/{party}Acct/Id/IBAN")[:34],
                "remittance": remittance[:1000],
                "bank_reference": reference[:120],
            }
            result.lines.append(
                StatementLine(
                    key=_key(account, line, seen), value_date=_date(entry, "ValDt"), **line
                )
            )
    return result


# --- MT940 ------------------------------------------------------------------------------------


def parse_mt940(content: bytes) -> ParsedStatement:
    import mt940

    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as exc:  # the library raises RuntimeError and others for broken tags
        raise _invalid(f"The MT940 file cannot be read ({str(exc)[:120]}).") from None
    data = transactions.data
    if not data.get("account_identification"):
        raise _invalid("Not an MT940 statement (no :25: account).")
    if "final_closing_balance" not in data:
        raise _invalid("The MT940 statement is cut short (no :62F: closing balance).")
    account = str(data["account_identification"])
    currency = str(data["final_closing_balance"].amount.currency)
    result = ParsedStatement(
        format=MT940, account=account, currency=currency,
        statement_id=str(data.get("statement_number") or ""),
    )  # fmt: skip
    seen: Counter = Counter()
    for transaction in transactions:
        tx = transaction.data
        remittance = " ".join(
            str(tx.get(name) or "") for name in ("purpose", "additional_purpose") if tx.get(name)
        )
        amount = Decimal(tx["amount"].amount)
        _check_amount(abs(amount), str(amount))
        line = {
            "booking_date": tx.get("entry_date") or tx["date"],
            "amount": amount,
            "currency": str(tx["amount"].currency or currency),
            "counterparty_name": str(tx.get("applicant_name") or "")[:200],
            "counterparty_iban": str(tx.get("applicant_iban") or "")[:34],
            "remittance": remittance[:1000],
            "bank_reference": str(tx.get("bank_reference") or "")[:120],
        }
        line["booking_date"] = dt.date(
            line["booking_date"].year, line["booking_date"].month, line["booking_date"].day
        )
        date = tx.get("date")
        result.lines.append(
            StatementLine(
                key=_key(account, line, seen),
                value_date=dt.date(date.year, date.month, date.day) if date else None,
                **line,
            )
        )
    return result
