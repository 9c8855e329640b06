"""`python -m catalog.seed`: add the missing demo catalog rows to the database at DATABASE_URL."""

import asyncio
import logging

from catalog.seed.loader import load_demo_catalog
from service_kit.database import Database
from service_kit.observability import configure_logging
from service_kit.settings import DatabaseSettings

logger = logging.getLogger("catalog.seed")


async def main() -> None:
    settings = DatabaseSettings()
    database = Database.from_settings(settings)
    try:
        async with database.transaction() as session:
            report = await load_demo_catalog(session=session)
    finally:
        await database.dispose()
    logger.info(
        "demo catalog loaded: missing rows added, existing ones left as they are",
        extra={
            "categories_added": report.categories_added,
            "categories_kept": report.categories_kept,
            "products_added": report.products_added,
            "products_kept": report.products_kept,
            "left_out": list(report.left_out),
        },
    )


if __name__ == "__main__":
    configure_logging(service="catalog-seed", level="INFO")
    asyncio.run(main())
