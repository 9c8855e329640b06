import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from users.accounts.models import Role


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class SignupsOnDay(BaseModel):
    date: dt.date
    count: int


class AccountStatistics(BaseModel):
    total: int = Field(description="Every account, active or not (erased ones are no account)")
    by_role: dict[Role, int]
    active: int
    inactive: int
    erased: int = Field(description="Accounts erased so far")
    date_from: dt.date
    date_to: dt.date
    signups_per_day: list[SignupsOnDay] = Field(
        description="Accounts created on each day from date_from to date_to (UTC days), zeros"
        " included, those erased since too"
    )
