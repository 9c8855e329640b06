"""HTTP caching: a safe default for every response, validators and conditional GET for public ones.

A route whose answer is the same bytes for everyone declares it with `cache_publicly(policy)`.
Its 200s then carry `Cache-Control: public, ...` and a strong `ETag` derived from the body, and
a GET whose `If-None-Match` names that ETag is answered `304 Not Modified` with the same
caching headers and no body. Any other response that says nothing about caching itself gets
`Cache-Control: private, no-store`: personal, administrative and error answers (whose bodies
carry a request id) are kept by no cache, browser or shared.

Written here rather than taken from a library because Starlette has no conditional-GET
middleware and the rule is a few lines: hash the bytes already rendered, compare, answer.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Response, params
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = "private, no-store"

# What a 304 repeats from the 200 it stands for (RFC 9110, section 15.4.5); the rest of the
# 200's representation headers (Content-Type, Content-Length) describe a body it has not.
_NOT_MODIFIED_HEADERS = frozenset(
    {b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary"}
)
_CONDITIONAL_METHODS = frozenset({"GET", "HEAD"})
# An entity tag in If-None-Match: optionally weak, then an opaque quoted string.
_ENTITY_TAG = re.compile(r'(?:W/)?"([^"]*)"')


@dataclass(frozen=True)
class PublicCaching:
    """How long a public response may be kept by browsers and by shared caches (a gateway,
    a CDN), and how long a shared cache may go on serving it while it fetches a new one."""

    max_age_seconds: int
    shared_max_age_seconds: int
    stale_while_revalidate_seconds: int = 0

    @property
    def cache_control(self) -> str:
        directives = [
            "public",
            f"max-age={self.max_age_seconds}",
            f"s-maxage={self.shared_max_age_seconds}",
        ]
        if self.stale_while_revalidate_seconds:
            directives.append(f"stale-while-revalidate={self.stale_while_revalidate_seconds}")
        return ", ".join(directives)


def cache_publicly(policy: PublicCaching) -> params.Depends:
    """A route dependency (`dependencies=[...]`) that marks the route's answers public.

    Only successful answers: an error raised by the route is rendered by the problem
    handlers, never carries these headers and so stays `private, no-store`.
    """
    header = policy.cache_control  # once per process, not per request

    async def declare_public(response: Response) -> None:
        response.headers["Cache-Control"] = header

    return params.Depends(declare_public)


def entity_tag(body: bytes) -> str:
    """A strong validator for these exact bytes: a short, fast digest of them, quoted."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET)."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")[1:-1]
    return any(match.group(1) == opaque for match in _ENTITY_TAG.finditer(if_none_match))


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _is_public(cache_control: bytes) -> bool:
    return any(part.strip().lower() == b"public" for part in cache_control.split(b","))


def _if_none_match(scope: Scope) -> str | None:
    values = [value for key, value in scope["headers"] if key.lower() == b"if-none-match"]
    return b", ".join(values).decode("latin-1") if values else None


def _not_modified(start: Message, etag: bytes) -> Message:
    headers = [
        (key, value)
        for key, value in start.get("headers", [])
        if key.lower() in _NOT_MODIFIED_HEADERS and key.lower() != b"etag"
    ]
    return {"type": "http.response.start", "status": 304, "headers": [*headers, (b"etag", etag)]}


class HttpCachingMiddleware:
    """Adds `private, no-store` where a response sets no Cache-Control, and validators and
    304s to public ones (see the module docstring).

    A public 200 to a GET is held back until its body is complete (the routes that opt in
    answer JSON rendered in one piece), hashed, and sent on or replaced by a 304. A route
    that sets an ETag of its own (a version, say) keeps it and is not buffered.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conditional = scope["method"] in _CONDITIONAL_METHODS
        held: Message | None = None
        chunks: list[bytes] = []
        answered = False  # a 304 went out instead: drop the route's body

        async def not_modified(start: Message, etag: bytes) -> bool:
            nonlocal answered
            if_none_match = _if_none_match(scope)
            if if_none_match is None or not none_match(if_none_match, etag.decode("latin-1")):
                return False
            await send(_not_modified(start, etag))
            await send({"type": "http.response.body", "body": b""})
            answered = True
            return True

        async def send_with_caching(message: Message) -> None:
            nonlocal held
            if answered:
                return
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                cache_control = _header(headers, b"cache-control")
                if cache_control is None:
                    message["headers"] = [*headers, (b"cache-control", PRIVATE.encode())]
                elif conditional and message["status"] == 200 and _is_public(cache_control):
                    etag = _header(headers, b"etag")
                    if etag is None:
                        held = message  # until its body is complete
                        return
                    if await not_modified(message, etag):
                        return
                await send(message)
                return
            if held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                etag = entity_tag(body).encode()
                if await not_modified(held, etag):
                    return
                held["headers"] = [*held.get("headers", []), (b"etag", etag)]
                await send(held)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_with_caching)
