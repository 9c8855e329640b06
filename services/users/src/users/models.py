"""The declarative base of the users service: every table lives in the `users` schema."""

from sqlalchemy.orm import DeclarativeBase

from service_kit.database import service_metadata

SCHEMA = "users"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)
