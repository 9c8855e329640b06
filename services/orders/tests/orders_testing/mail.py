"""A real SMTP server in the test process (aiosmtpd) on loopback, and what it received.

It accepts every email, or refuses each with the reply a test gives it (a real SMTP answer,
the failure mode a mail server produces), optionally holding each one a moment so that
concurrent relays overlap.
"""

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from orders.notifications.service import RelayRound
from orders.smtp_client.client import SmtpClient


@dataclass
class MailHandler:
    # None: accept; otherwise the reply to every DATA, e.g. "451 4.3.0 Try again later".
    refusal: str | None = None
    # Seconds each email is held before it is answered.
    delay_seconds: float = 0.0
    received: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.refusal is not None:
            with self._lock:
                self.refused += 1
            return self.refusal
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.received)

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(handler: MailHandler) -> Iterator[int]:
    """Serve `handler` on a loopback port (yielded) while the context is open."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass(frozen=True)
class MailServer:
    handler: MailHandler
    port: int

    def client(self, *, timeout_seconds: float = 2.0) -> SmtpClient:
        """Orders' SMTP client of this server (plain SMTP on loopback, as the sink speaks)."""
        return SmtpClient(
            host="127.0.0.1",
            port=self.port,
            starttls=False,
            username=None,
            password=None,
            timeout_seconds=timeout_seconds,
        )


# One round of the relay (the `relay` fixture), with the test's policy unless given one.
Relay = Callable[..., Awaitable[RelayRound]]
