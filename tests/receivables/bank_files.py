"""Bank statement files for the tests: CAMT.053 built from a few entries, and MT940."""

from __future__ import annotations

from xml.sax.saxutils import escape

IBAN = "DE89370400440532013000"


def camt(entries: list[dict], *, currency: str = "EUR", statement_id: str = "STMT-1") -> bytes:
    """A CAMT.053.001.08 statement. Each entry: amount, ccy, debit, date, ref (AcctSvcrRef,
    optional), name, text (remittance), and optionally `txs` (a batch: a list of those)."""

    def tx(e: dict) -> str:
        party = "Cdtr" if e.get("debit") else "Dbtr"
        amount = f'<Amt Ccy="{e.get("ccy", currency)}">{e["amount"]}</Amt>' if "batch" in e else ""
        ref = f"<Refs><AcctSvcrRef>{e['ref']}</AcctSvcrRef></Refs>" if e.get("tx_ref") else ""
        return (
            f"<TxDtls>{ref}{amount}<RltdPties><{party}><Pty><Nm>{escape(e.get('name', ''))}</Nm>"
            f"</Pty></{party}></RltdPties><RmtInf><Ustrd>{escape(e.get('text', ''))}</Ustrd>"
            "</RmtInf></TxDtls>"
        )

    def entry(e: dict) -> str:
        ref = f"<AcctSvcrRef>{e['ref']}</AcctSvcrRef>" if e.get("ref") else ""
        details = "".join(tx({**t, "batch": True}) for t in e["txs"]) if "txs" in e else tx(e)
        return (
            f'<Ntry><Amt Ccy="{e.get("ccy", currency)}">{e["amount"]}</Amt>'
            f"<CdtDbtInd>{'DBIT' if e.get('debit') else 'CRDT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt><Dt>{e['date']}</Dt></BookgDt><ValDt><Dt>{e['date']}</Dt></ValDt>{ref}"
            f"<NtryDtls>{details}</NtryDtls></Ntry>"
        )

    body = "".join(entry(e) for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-03-31T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{currency}</Ccy>"
        f"</Acct>{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def mt940(lines: list[tuple[str, str, str, str]]) -> bytes:
    """An MT940 statement; each line: (YYMMDD, C or D, amount "119,00", purpose text)."""
    body = ""
    for day, mark, amount, purpose in lines:
        body += f":61:{day}{day[2:]}{mark}R{amount}NTRFNONREF\n:86:166?00GUTSCHRIFT?20{purpose}"
        body += "?32Mueller Maschinenbau\n"
    return (
        ":20:STARTUMS\n:25:37040044/0532013000\n:28C:00001/001\n:60F:C260301EUR1000,00\n"
        f"{body}:62F:C260331EUR1000,00\n-\n"
    ).encode()
