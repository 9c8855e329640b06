from orders.models import Base
from orders.notifications import models as _notifications_models  # noqa: F401  (its table)
from orders.ordering import models as _ordering_models  # noqa: F401  (registers the tables)
from service_kit.migrations import run_migrations

run_migrations(Base.metadata)
