"""Orders' client of an SMTP server (aiosmtplib): one connection per email, bounded in time.

Emails are few (one per status change), so a connection each keeps this simple and never
holds a connection idle between rounds of the relay.
"""

import asyncio
import re
from email.message import EmailMessage

import aiosmtplib

from orders.settings import OrdersSettings
from orders.smtp_client.errors import MailNotSent

# A server's refusal may quote the address; what orders records of it must not.
_ADDRESS = re.compile(r"\S+@\S+")


class SmtpClient:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        starttls: bool,
        username: str | None,
        password: str | None,
        timeout_seconds: float,
    ) -> None:
        self._host = host
        self._port = port
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout_seconds = timeout_seconds

    @property
    def timeout_seconds(self) -> float:
        """The longest one send may take."""
        return self._timeout_seconds

    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; MailNotSent if it is not accepted."""
        try:
            # aiosmtplib's timeout bounds each exchange; this bounds the whole send.
            async with asyncio.timeout(self._timeout_seconds):
                await aiosmtplib.send(
                    message,
                    hostname=self._host,
                    port=self._port,
                    # Exactly what is asked for: aiosmtplib would otherwise upgrade when the
                    # server offers it.
                    start_tls=self._starttls,
                    username=self._username,
                    password=self._password,
                    timeout=self._timeout_seconds,
                )
        except aiosmtplib.SMTPResponseException as error:
            reason = _ADDRESS.sub("<address>", error.message)
            raise MailNotSent(f"SMTP {error.code}: {reason}"[:500]) from None
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = ", ".join(str(refusal.code) for refusal in error.recipients)
            raise MailNotSent(f"SMTP refused the recipient ({codes})") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise MailNotSent(f"SMTP server unreachable: {type(error).__name__}") from None


def create_smtp_client(settings: OrdersSettings) -> SmtpClient | None:
    """The client of the configured SMTP server; None when there is none (SMTP_HOST unset)."""
    if settings.smtp_host is None:
        return None
    return SmtpClient(
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=None
        if settings.smtp_password is None
        else settings.smtp_password.get_secret_value(),
        timeout_seconds=settings.smtp_timeout_seconds,
    )
