"""Users' internal API, for the other services (orders); never routed by the gateway."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from service_kit.database import ReadSessionDep
from service_kit.internal_api import InvalidServiceCredential, ServiceCaller
from service_kit.openapi import problem_responses
from users.accounts.models import User
from users.internal import service
from users.internal.schemas import MAX_IDS_PER_LOOKUP, AccountContacts
from users.settings import API_PREFIX

# Out of the public OpenAPI document, like catalog's internal API: the gateway serves that
# document, and these routes are not there. Declared all the same, so that they say what
# they answer (docs/contracts/users-internal-api.md).
router = APIRouter(
    prefix=API_PREFIX + "/internal",
    tags=["internal"],
    include_in_schema=False,
    responses=problem_responses(InvalidServiceCredential),
)


@router.get("/users", response_model=AccountContacts, summary="Accounts' contacts, by id")
async def account_contacts(
    _caller: ServiceCaller,
    session: ReadSessionDep,
    ids: Annotated[
        list[uuid.UUID],
        Query(
            alias="id",
            min_length=1,
            max_length=MAX_IDS_PER_LOOKUP,
            description="An account's id; repeated, 1 to 100 of them",
        ),
    ],
) -> dict[str, list[User]]:
    return {"items": await service.find_contacts(session=session, ids=set(ids))}
