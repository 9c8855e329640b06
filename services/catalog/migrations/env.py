from catalog.categories import models as _category_models  # noqa: F401  (registers the tables)
from catalog.models import Base
from catalog.products import models as _product_models  # noqa: F401
from catalog.reservations import models as _reservation_models  # noqa: F401
from catalog.stock import models as _stock_models  # noqa: F401
from service_kit.migrations import run_migrations

run_migrations(Base.metadata)
