import uuid
from datetime import datetime
from typing import Annotated

import email_validator
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from service_kit.text import StoredText
from users.accounts.models import Role
from users.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _lower(value: str) -> str:
    return value.lower()


# Every string is StoredText (no NUL, no lone surrogate): what Postgres cannot store, or
# UTF-8 cannot encode for hashing, is a 422 before anything runs.
# Validated by email-validator (syntax, no DNS; it refuses NUL and surrogates too), then
# stored and compared in lower case. It refuses special-use domains (RFC 6761), which the
# documents' `format: email` allows.
_SPECIAL_USE_DOMAINS = "|".join(email_validator.SPECIAL_USE_DOMAIN_NAMES)
Email = Annotated[
    EmailStr,
    Field(
        max_length=320,
        json_schema_extra={"pattern": rf"^(?!.*[@.](?:{_SPECIAL_USE_DOMAINS})$)"},
    ),
    AfterValidator(_lower),
]
Username = Annotated[
    StoredText,
    StringConstraints(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_]+$"),
    Field(description="3-50 letters, digits or underscores; unique regardless of case"),
]
FullName = Annotated[
    StoredText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Bio = Annotated[StoredText, StringConstraints(max_length=2000)]
NewPassword = Annotated[
    StoredText,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        repr=False,
        description="8-128 characters; not a common password, not built from the username or email",
    ),
]
# Where an account is looked up by its username or email (login): any case.
LOGIN_MAX_LENGTH = 320


class Account(BaseModel):
    """An account as its owner and admins see it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    username: str
    full_name: str | None
    bio: str | None
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime
