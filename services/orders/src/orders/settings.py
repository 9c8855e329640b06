from typing import Self

from pydantic import Field, SecretStr, model_validator

from service_kit.settings import ServiceSettings

API_PREFIX = "/api/orders"


class OrdersSettings(ServiceSettings):
    catalog_base_url: str = Field(
        default="http://catalog:8000", description="Catalog, reached on the internal network"
    )
    catalog_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    catalog_read_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    catalog_service_key: SecretStr = Field(
        min_length=16,
        description="Orders' credential for catalog's /internal/ API (catalog: orders:<key>)",
    )

    # Every internal catalog call is idempotent, so each is retried on timeouts, connection
    # errors and 5xx, with exponential backoff and jitter, within a hard deadline per call.
    catalog_retry_attempts: int = Field(default=3, ge=1, le=10)
    catalog_retry_wait_initial_seconds: float = Field(default=0.1, ge=0, le=10)
    catalog_retry_wait_max_seconds: float = Field(default=1.0, ge=0, le=30)
    catalog_call_deadline_seconds: float = Field(default=5.0, gt=0, le=60)

    users_url: str = Field(
        default="http://users:8000", description="Users, reached on the internal network"
    )
    users_service_key: SecretStr = Field(
        min_length=16,
        description="Orders' credential for users' /internal/ API (users: orders:<key>)",
    )
    users_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    users_read_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Looking contacts up is a read, so it is retried like catalog's calls, within a deadline:
    # past it the caller gets UsersUnreachable (a notification waits, a report shows ids).
    users_retry_attempts: int = Field(default=2, ge=1, le=10)
    users_retry_wait_initial_seconds: float = Field(default=0.1, ge=0, le=10)
    users_retry_wait_max_seconds: float = Field(default=0.5, ge=0, le=30)
    users_call_deadline_seconds: float = Field(default=3.0, gt=0, le=60)
    # Contacts are kept this long (per orders process) before users is asked again: a changed
    # email address or an erased account shows within it. Absent ids are kept as absent.
    users_contacts_cache_ttl_seconds: float = Field(default=60.0, ge=0, le=3600)
    users_contacts_cache_size: int = Field(default=10_000, ge=1, le=1_000_000)

    # How long catalog holds an order's stock before it returns by itself, unless the order
    # is confirmed (commits the reservation) or cancelled (releases it) first.
    reservation_ttl_seconds: int = Field(default=1800, ge=1, le=3600)

    # The reconciler resolves placements whose outcome is unknown (a crash or a 503).
    reconciler_enabled: bool = True
    reconciler_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    reconciler_min_age_seconds: float = Field(default=30.0, gt=0, le=86400)
    reconciler_batch_size: int = Field(default=50, ge=1, le=1000)

    # What one customer may hold at once: orders placing or pending (awaiting confirmation),
    # and the units in them. A placement beyond either is refused before catalog is asked.
    max_pending_orders_per_customer: int = Field(default=5, ge=1, le=10_000)
    max_held_units_per_customer: int = Field(default=100, ge=1, le=10_000_000)

    # The hold-expiry sweep cancels pending orders whose stock hold ran out (catalog has
    # already put the stock back on sale), so they never linger as `pending` or as revenue.
    hold_expiry_enabled: bool = True
    hold_expiry_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    hold_expiry_batch_size: int = Field(default=50, ge=1, le=1000)

    # Order emails (docs/orders.md, "Order emails"). Every status change writes its email
    # into the outbox; the relay sends them only where an SMTP server is configured, so with
    # no SMTP_HOST they wait in the outbox, nothing lost, until one is.
    smtp_host: str | None = Field(default=None, min_length=1, max_length=253)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # STARTTLS before anything is sent (the submission port's way); the development sink
    # speaks plain SMTP. Credentials are never sent without it.
    smtp_starttls: bool = True
    smtp_username: str | None = Field(default=None, min_length=1, max_length=320)
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    mail_from: str = Field(
        default="Shop <orders@shop.example>",
        min_length=3,
        max_length=320,
        description="The From of every order email; its domain ends every Message-ID",
    )
    notification_relay_enabled: bool = True
    notification_relay_interval_seconds: float = Field(default=5.0, gt=0, le=3600)
    notification_relay_batch_size: int = Field(default=20, ge=1, le=500)
    # A relay's claim on a batch: past it, another replica may take what this one did not
    # finish (a crash); every send must fit in it.
    notification_lease_seconds: float = Field(default=120.0, gt=0, le=3600)
    # Failed sends are retried with exponential backoff and jitter; after this many the email
    # is parked for an admin (GET /admin/notifications).
    notification_max_attempts: int = Field(default=10, ge=1, le=100)
    notification_retry_initial_seconds: float = Field(default=30.0, gt=0, le=86400)
    notification_retry_max_seconds: float = Field(default=3600.0, gt=0, le=86400)
    # How long an email waits when users cannot name its recipient (not a failed attempt).
    notification_recipient_wait_seconds: float = Field(default=30.0, gt=0, le=86400)

    @model_validator(mode="after")
    def _reconciler_waits_for_placements_in_flight(self) -> Self:
        # A placement in flight gives up after the call deadline; the reconciler must not
        # resolve its placeholder while it may still be reserving.
        if self.reconciler_min_age_seconds <= self.catalog_call_deadline_seconds:
            raise ValueError(
                "RECONCILER_MIN_AGE_SECONDS must be longer than CATALOG_CALL_DEADLINE_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _a_send_fits_in_the_lease(self) -> Self:
        if self.notification_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError("NOTIFICATION_LEASE_SECONDS must be longer than SMTP_TIMEOUT_SECONDS")
        return self

    @model_validator(mode="after")
    def _smtp_credentials_come_in_pairs(self) -> Self:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("SMTP_USERNAME and SMTP_PASSWORD are set together or not at all")
        if self.smtp_username is not None and not self.smtp_starttls:
            raise ValueError("SMTP credentials need SMTP_STARTTLS: they would cross in clear")
        return self
