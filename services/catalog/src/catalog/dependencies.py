"""What the catalog app keeps for its endpoints, each named once as a dependency.

The internal endpoints' `ServiceCaller` is the kit's (`service_kit.internal_api`).
"""

from typing import Annotated

from fastapi import Depends

from catalog.settings import CatalogSettings
from service_kit.app_state import from_app_state
from service_kit.pagination import PageCursors

PageCursorsDep = Annotated[PageCursors, Depends(from_app_state("page_cursors"))]
SettingsDep = Annotated[CatalogSettings, Depends(from_app_state("settings"))]
