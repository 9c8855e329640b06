from service_kit.migrations import run_migrations
from users.accounts import models as _account_models  # noqa: F401  (registers the tables)
from users.auth import models as _auth_models  # noqa: F401
from users.models import Base

run_migrations(Base.metadata)
