"""`python -m catalog.seed`: load the demo catalog into the database at DATABASE_URL."""

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
        async with database.sessionmaker() as session, session.begin():
            report = await load_demo_catalog(session)
    finally:
        await database.dispose()
    logger.info(
        "demo catalog loaded",
        extra={
            "categories": report.categories,
            "products_added": report.products_added,
            "products_updated": report.products_updated,
        },
    )


if __name__ == "__main__":
    configure_logging(service="catalog-seed", level="INFO")
    asyncio.run(main())
