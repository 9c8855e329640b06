"""The development SMTP sink: accepts every email (aiosmtpd) and shows what it received.

SMTP on port 1025; the received mail over HTTP on port 8025:
  GET    /messages            every email, oldest first (JSON); ?to=<address> filters
  DELETE /messages            forget them all
  GET    /healthz             alive
Emails are kept in a Maildir on the container's own filesystem, so they survive a stop and
start of the container (docker compose stop/start) and go with it (docker compose down).
Never for production: it delivers nothing and anyone on its network may read it all.
"""

import asyncio
import email
import email.policy
import json
import logging
import mailbox
import os
import threading
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

MAILDIR = os.environ.get("MAIL_SINK_DIR", "/var/lib/mail-sink/maildir")
SMTP_PORT = int(os.environ.get("MAIL_SINK_SMTP_PORT", "1025"))
HTTP_PORT = int(os.environ.get("MAIL_SINK_HTTP_PORT", "8025"))

logger = logging.getLogger("mail-sink")
# One writer (SMTP) and many readers (HTTP threads) share the Maildir.
_lock = threading.Lock()


class Sink:
    def __init__(self, maildir: mailbox.Maildir) -> None:
        self.maildir = maildir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # What the envelope said, which the headers need not repeat.
        message["X-Sink-Mail-From"] = envelope.mail_from
        message["X-Sink-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        with _lock:
            self.maildir.add(message)
        logger.info("received %s", message["Message-ID"])
        return "250 Message accepted for delivery"


def _as_json(key: str, message: EmailMessage) -> dict[str, Any]:
    body = message.get_body(preferencelist=("plain", "html"))
    return {
        "key": key,
        "message_id": message["Message-ID"],
        "from": message["From"],
        "to": [to.strip() for to in str(message["X-Sink-Rcpt-To"] or "").split(",") if to],
        "subject": message["Subject"],
        "date": message["Date"],
        "text": body.get_content() if body is not None else "",
        "headers": {name: str(value) for name, value in message.items()},
    }


def _read_all(maildir: mailbox.Maildir) -> list[dict[str, Any]]:
    with _lock:
        messages = [
            (key, email.message_from_bytes(maildir.get_bytes(key), policy=email.policy.default))
            for key in maildir.iterkeys()
        ]
    # Maildir keys start with the delivery time: sorting them sorts by arrival.
    return [_as_json(key, message) for key, message in sorted(messages, key=lambda it: it[0])]


def http_handler(maildir: mailbox.Maildir) -> type[BaseHTTPRequestHandler]:
    class MessagesApi(BaseHTTPRequestHandler):
        def _answer(self, status: HTTPStatus, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/healthz":
                self._answer(HTTPStatus.OK, {"status": "ok"})
            elif url.path == "/messages":
                wanted = {to.lower() for to in parse_qs(url.query).get("to", [])}
                messages = _read_all(maildir)
                if wanted:
                    messages = [it for it in messages if wanted & {to.lower() for to in it["to"]}]
                self._answer(HTTPStatus.OK, {"items": messages, "total": len(messages)})
            else:
                self._answer(HTTPStatus.NOT_FOUND, {"detail": "unknown path"})

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path != "/messages":
                self._answer(HTTPStatus.NOT_FOUND, {"detail": "unknown path"})
                return
            with _lock:
                maildir.clear()
            self._answer(HTTPStatus.OK, {"items": [], "total": 0})

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

    return MessagesApi


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    maildir = mailbox.Maildir(MAILDIR, create=True)
    smtp = Controller(Sink(maildir), hostname="0.0.0.0", port=SMTP_PORT)  # noqa: S104
    smtp.start()
    # The standard library's server: a JSON reader of a directory needs no framework.
    http = ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), http_handler(maildir))  # noqa: S104
    threading.Thread(target=http.serve_forever, daemon=True).start()
    logger.info("SMTP on %d, HTTP on %d", SMTP_PORT, HTTP_PORT)
    try:
        await asyncio.Event().wait()
    finally:
        http.shutdown()
        smtp.stop()


if __name__ == "__main__":
    asyncio.run(main())
