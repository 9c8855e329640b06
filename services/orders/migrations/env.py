from orders.models import Base
from orders.ordering import models as _ordering_models  # noqa: F401  (registers the tables)
from service_kit.migrations import run_migrations

run_migrations(Base.metadata)
