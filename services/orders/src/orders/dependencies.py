"""What the app keeps for its endpoints, as FastAPI dependencies.

All are `async def`: FastAPI runs a plain `def` dependency in a worker thread, which costs a
thread hand-off on every request for what is an attribute lookup.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from orders.catalog_client.client import CatalogClient
from orders.settings import OrdersSettings
from service_kit.database import Database


async def _catalog(request: Request) -> CatalogClient:
    catalog: CatalogClient = request.app.state.catalog
    return catalog


async def _engine(request: Request) -> AsyncEngine:
    # For the services that manage connections of their own (placement, which must commit
    # before the request ends; single-statement reads); the rest take SessionDep.
    database: Database = request.app.state.database
    return database.engine


async def _settings(request: Request) -> OrdersSettings:
    settings: OrdersSettings = request.app.state.settings
    return settings


CatalogDep = Annotated[CatalogClient, Depends(_catalog)]
EngineDep = Annotated[AsyncEngine, Depends(_engine)]
SettingsDep = Annotated[OrdersSettings, Depends(_settings)]
