"""Local fakes the sync tests start: a lexoffice (Lexware Office) vouchers API and a webhook
receiver, each a threaded http.server on 127.0.0.1 with fault injection."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that timed out and left is one of the faults under test


class _Server:
    def __init__(self, handler_cls):
        self.faults: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(handler_cls):
            server_state = outer

            def log_message(self, *args):
                pass

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Lexoffice(BaseHTTPRequestHandler):
    server_state: FakeLexoffice

    def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.server_state.api_key}":
            self._send(401, {"message": "Unauthorized"})
            return False
        return True

    def do_GET(self):
        state = self.server_state
        state.requests.append(("GET", self.path))
        if not self._authorised():
            return
        parts = urlsplit(self.path)
        if parts.path == "/v1/profile":
            return self._send(200, {"organizationId": "org-1", "companyName": "Acme IT GmbH"})
        if parts.path == "/v1/voucherlist":
            query = parse_qs(parts.query)
            number = query.get("voucherNumber", [""])[0]
            types = query.get("voucherType", [""])[0].split(",")
            rows = [
                {"id": vid, "voucherNumber": v["voucherNumber"], "voucherType": v["type"]}
                for vid, v in state.vouchers.items()
                if v["voucherNumber"] == number and v["type"] in types
            ]
            return self._send(200, {"content": rows, "totalElements": len(rows)})
        self._send(404, {"message": "not found"})

    def do_POST(self):
        state = self.server_state
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        state.requests.append(("POST", self.path))
        fault = state.next_fault()
        if fault == "401" or not self._authorised():
            if fault == "401":
                self._send(401, {"message": "Unauthorized"})
            return
        if fault == "500":
            return self._send(500, {"message": "Internal Server Error"})
        if fault == "429":
            return self._send(429, {"message": "Rate limit exceeded"}, {"Retry-After": "2"})
        if fault == "timeout":
            time.sleep(state.slow_seconds)
            return self._send(503, {"message": "too late"})
        if self.path != "/v1/vouchers":
            return self._send(404, {"message": "not found"})
        body = json.loads(raw)
        missing = [
            k for k in ("type", "voucherNumber", "voucherDate", "voucherItems") if k not in body
        ]
        if missing:
            return self._send(400, {"message": f"missing {missing}"})
        voucher_id = str(uuid.uuid4())
        with state.lock:
            state.vouchers[voucher_id] = body
        if fault == "lost":
            # Created, but the answer never arrives.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(
            200,
            {
                "id": voucher_id,
                "resourceUri": f"{state.url}/v1/vouchers/{voucher_id}",
                "version": 1,
            },
        )


class FakeLexoffice(_Server):
    def __init__(self, api_key: str = "lx-test-key", slow_seconds: float = 1.5):
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.vouchers: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        super().__init__(_Lexoffice)

    def numbers(self) -> list[str]:
        return sorted(v["voucherNumber"] for v in self.vouchers.values())


class _Receiver(BaseHTTPRequestHandler):
    server_state: WebhookReceiver

    def do_POST(self):
        state = self.server_state
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        fault = state.next_fault()
        if fault == "slow":
            time.sleep(state.slow_seconds)
        status = {"500": 500, "410": 410}.get(fault or "", 200)
        if status == 200:
            state.received.append((dict(self.headers), raw))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class WebhookReceiver(_Server):
    def __init__(self, slow_seconds: float = 1.5):
        self.slow_seconds = slow_seconds
        self.received: list[tuple[dict, bytes]] = []
        super().__init__(_Receiver)

    def events(self) -> list[tuple[str, object]]:
        out = []
        for _headers, raw in self.received:
            body = json.loads(raw)
            out.append((body["type"], body["data"]["id"]))
        return out
