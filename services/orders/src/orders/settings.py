from pydantic import Field

from service_kit.settings import ServiceSettings

API_PREFIX = "/api/orders"


class OrdersSettings(ServiceSettings):
    catalog_base_url: str = Field(
        default="http://catalog:8000", description="Catalog, reached on the internal network"
    )
    catalog_connect_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    catalog_read_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
