"""Text that PostgreSQL can store, for every string a client sends.

A `text` column cannot hold NUL (U+0000), and UTF-8 cannot encode a lone UTF-16 surrogate
(U+D800 to U+DFFF), which JSON's `\\ud800` escape still lets a client send. Either would
fail in the driver, after validation, as a 500. `StoredText` refuses both as a 422.

It is a pattern, so it also says so in the OpenAPI documents and combines with other
string constraints (`Annotated[StoredText, Field(max_length=100)]`). pydantic checks
patterns on the UTF-8 form of the string, which a lone surrogate does not have, so that
one fails the check too.
"""

from typing import Annotated

from pydantic import Field

STORABLE_PATTERN = "^[^\\x00]*$"

StoredText = Annotated[str, Field(pattern=STORABLE_PATTERN)]
