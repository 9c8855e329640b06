import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str

    @classmethod
    def from_environment(cls) -> "Settings":
        secret = os.environ["JWT_SECRET"]
        # HS256 with a short secret is guessable offline; refuse one that is.
        if len(secret) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        return cls(database_url=os.environ["DATABASE_URL"], jwt_secret=secret)


settings = Settings.from_environment()
