"""The declarative base of the orders service: every table lives in the `orders` schema."""

from sqlalchemy.orm import DeclarativeBase

from service_kit.database import service_metadata

SCHEMA = "orders"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
