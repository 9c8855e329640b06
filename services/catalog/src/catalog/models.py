"""The declarative base of the catalog service: every table lives in the `catalog` schema."""

from sqlalchemy.orm import DeclarativeBase

from service_kit.database import service_metadata

SCHEMA = "catalog"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
