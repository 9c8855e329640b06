from catalog.models import Base
from catalog.products import models as _product_models  # noqa: F401  (registers the tables)
from service_kit.migrations import run_migrations

run_migrations(Base.metadata)
