"""Outbound HTTP for webhooks and REST adapters, with the server-side request forgery guard.

A URL whose host resolves to a loopback, private, link-local, multicast or reserved address is
refused unless `FAKTURA_ALLOW_PRIVATE_URLS=1`. The check runs when the URL is saved and again
at every request, which connects to the address it checked (a DNS change between check and
connect cannot redirect it). Redirects are not followed. The standard library's http.client
is used: the project locks no HTTP client.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from faktura.integrations.errors import OutboundUrlInvalid, OutboundUrlRefused

MAX_BODY = 1_000_000  # bytes read from an answer; the rest is dropped


def private_allowed() -> bool:
    return os.environ.get("FAKTURA_ALLOW_PRIVATE_URLS", "") in ("1", "true", "yes")


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def url_check(url: str, *, field_name: str = "url", resolve: bool = True) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL that may be called; raises OutboundUrlRefused
    naming `field_name` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundUrlInvalid.field(field_name, "Not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundUrlInvalid.field(field_name, "Must be an http or https URL.")
    if parts.username or parts.password:
        raise OutboundUrlInvalid.field(field_name, "Must not contain credentials.")
    port = port or (443 if parts.scheme == "https" else 80)
    if resolve:
        addresses_resolve(parts.hostname, port, field_name=field_name)
    return parts.scheme, parts.hostname, port


def addresses_resolve(host: str, port: int, *, field_name: str = "url") -> list[str]:
    """The addresses `host` resolves to, all of them allowed; else OutboundUrlRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutboundUrlRefused.field(field_name, f"The host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not private_allowed() and any(_refused(a) for a in addresses):
        raise OutboundUrlRefused.field(
            field_name,
            f"The host {host} resolves to a loopback, private or link-local address.",
        )
    return addresses


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class TransportError(Exception):
    """No answer: refused, reset, timed out, or the URL was refused."""


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: int):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: int):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: int = 10,
) -> Response:
    """One HTTP request to the checked address of `url`; no redirects (a 3xx is answered as
    it is). Raises TransportError when there is no answer."""
    try:
        scheme, host, port = url_check(url, resolve=False)
        address = addresses_resolve(host, port)[0]
    except OutboundUrlRefused as exc:
        raise TransportError(exc.message) from None
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, address, port, timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        answer = conn.getresponse()
        data = answer.read(MAX_BODY)
        return Response(
            status=answer.status,
            headers={k.lower(): v for k, v in answer.getheaders()},
            body=data,
        )
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
