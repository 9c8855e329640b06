"""What the app keeps for its endpoints, as FastAPI dependencies."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalog.client import CatalogClient
from orders.settings import OrdersSettings
from service_kit.database import Database


def _catalog(request: Request) -> CatalogClient:
    catalog: CatalogClient = request.app.state.catalog
    return catalog


def _sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    # For the few services that need transactions of their own (placement), not the
    # request's one; everything else takes service_kit.database.SessionDep.
    database: Database = request.app.state.database
    return database.sessionmaker


def _settings(request: Request) -> OrdersSettings:
    settings: OrdersSettings = request.app.state.settings
    return settings


CatalogDep = Annotated[CatalogClient, Depends(_catalog)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(_sessionmaker)]
SettingsDep = Annotated[OrdersSettings, Depends(_settings)]
