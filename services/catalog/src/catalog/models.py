"""The declarative base of the catalog service: every table lives in the `catalog` schema."""

from sqlalchemy.orm import DeclarativeBase

from service_kit.database import service_metadata

SCHEMA = "catalog"
# The largest value of an `integer` column (stock counters among them).
INT4_MAX = 2**31 - 1


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
