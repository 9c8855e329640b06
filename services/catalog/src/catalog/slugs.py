"""Slugs: URL names of categories and products, and references that are an id or a slug."""

import re
import uuid
from collections.abc import Collection

from slugify import slugify

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)


def slug_pattern(*, reserved: Collection[str] = ()) -> str:
    """What `check_slug` accepts, as one (ECMA-262) pattern for the OpenAPI documents: no
    reserved word, and not 32 hex digits however hyphenated (which would read as an id)."""
    not_reserved = "".join(f"(?!{re.escape(word)}$)" for word in sorted(reserved))
    return f"^{not_reserved}(?!(?:[0-9a-f]-?){{31}}[0-9a-f]$){SLUG_PATTERN[1:]}"


def slug_from_name(name: str, *, max_length: int, fallback: str) -> str:
    """A slug for `name` ("Café Mug, 350 ml" -> "cafe-mug-350-ml"); `fallback` if none is left."""
    slug = slugify(name, max_length=max_length, word_boundary=True, save_order=True)
    if not slug:
        return fallback
    if parse_ref(slug) != slug:
        # A name made of 32 hex digits: keep the slug distinguishable from an id.
        return f"{fallback}-{slug}"[:max_length].rstrip("-")
    return slug


def check_slug(slug: str, *, reserved: Collection[str] = ()) -> str:
    """Validator for a slug chosen by a client."""
    if not _SLUG.match(slug):
        raise ValueError("a slug is lower-case letters and digits in words joined by hyphens")
    if slug in reserved:
        raise ValueError(f"'{slug}' is reserved")
    if parse_ref(slug) != slug:
        # Detail URLs take an id or a slug; a slug that reads as an id would be unreachable.
        raise ValueError("a slug must not look like an id")
    return slug


def next_free_slug(base: str, taken: Collection[str], *, max_length: int) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def parse_ref(ref: str) -> uuid.UUID | str:
    """An id when `ref` reads as a UUID, otherwise the slug itself."""
    try:
        return uuid.UUID(ref)
    except ValueError:
        return ref
