"""Every app-scoped dependency of the users service, named once.

create_app builds each of them once (users.main) and keeps it on the app's state; endpoints
take them by these aliases. The database is the kit's `DatabaseDep`.
"""

from typing import Annotated

from fastapi import Depends

from service_kit.app_state import from_app_state
from service_kit.bulkhead import Bulkhead
from users.accounts.erasure import ErasedNames
from users.accounts.passwords import PasswordHasher
from users.auth.tokens import TokenIssuer
from users.keys.key_ring import KeyRing

KeyRingDep = Annotated[KeyRing, Depends(from_app_state("key_ring"))]
TokenIssuerDep = Annotated[TokenIssuer, Depends(from_app_state("token_issuer"))]
PasswordHasherDep = Annotated[PasswordHasher, Depends(from_app_state("password_hasher"))]
# The digests (and retention) of erased accounts' usernames and emails.
ErasedNamesDep = Annotated[ErasedNames, Depends(from_app_state("erased_names"))]
# Turns at the database for refreshes and logouts (users.auth.service.refresh_turns).
RefreshTurnsDep = Annotated[Bulkhead, Depends(from_app_state("refresh_turns"))]
