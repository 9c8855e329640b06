from fastapi import FastAPI

from service_kit.app import create_service_app
from users.settings import API_PREFIX, UsersSettings


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    settings = settings or UsersSettings()
    return create_service_app(name="users", settings=settings, api_prefix=API_PREFIX)
