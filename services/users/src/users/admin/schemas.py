from pydantic import BaseModel, ConfigDict

from users.accounts.models import Role


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
