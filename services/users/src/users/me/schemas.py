from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from service_kit.text import StoredText
from users.accounts.passwords import MAX_PASSWORD_LENGTH
from users.accounts.schemas import Bio, Email, FullName, NewPassword


class ProfileUpdate(BaseModel):
    """Only the fields sent change; `null` clears full_name or bio."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    bio: Bio | None = None
    # Omitted is None; sent as null is refused below, so the documents do not offer null.
    email: Email | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _email_cannot_be_removed(self) -> "ProfileUpdate":
        if "email" in self.model_fields_set and self.email is None:
            raise ValueError("email cannot be removed, only changed")
        return self

    def changes(self) -> dict[str, str | None]:
        return self.model_dump(include=self.model_fields_set)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[
        StoredText, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, repr=False)
    ]
    new_password: NewPassword


class ErasureConfirmation(BaseModel):
    """The account's password, re-entered: erasing cannot be undone."""

    model_config = ConfigDict(extra="forbid")

    password: Annotated[StoredText, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, repr=False)]
