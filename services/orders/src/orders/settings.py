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

    @model_validator(mode="after")
    def _reconciler_waits_for_placements_in_flight(self) -> Self:
        # A placement in flight gives up after the call deadline; the reconciler must not
        # resolve its placeholder while it may still be reserving.
        if self.reconciler_min_age_seconds <= self.catalog_call_deadline_seconds:
            raise ValueError(
                "RECONCILER_MIN_AGE_SECONDS must be longer than CATALOG_CALL_DEADLINE_SECONDS"
            )
        return self
