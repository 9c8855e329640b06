"""Caching headers and conditional GET: public answers carry validators, the rest no-store."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Response

from service_kit.http_caching import (
    PRIVATE,
    HttpCachingMiddleware,
    PublicCaching,
    cache_publicly,
    none_match,
)
from service_kit.problems import NotFound, install_problem_handlers

POLICY = PublicCaching(
    max_age_seconds=1, shared_max_age_seconds=3, stale_while_revalidate_seconds=1
)


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(HttpCachingMiddleware)
    app.state.greeting = "hello"
    public = cache_publicly(POLICY)

    @app.get("/public", dependencies=[public])
    async def public_read() -> dict[str, str]:
        return {"greeting": app.state.greeting}

    @app.get("/public-missing", dependencies=[public])
    async def public_but_missing() -> None:
        raise NotFound("Nothing here.")

    @app.get("/versioned", dependencies=[public])
    async def versioned(response: Response) -> dict[str, str]:
        response.headers["ETag"] = '"v7"'
        response.headers["Vary"] = "Accept-Language"
        return {"version": "7"}

    @app.get("/private")
    async def private_read() -> dict[str, str]:
        return {"secret": "yours"}

    @app.post("/public", dependencies=[public])
    async def public_write() -> dict[str, str]:
        return {"greeting": app.state.greeting}

    return app


@pytest.fixture
def app() -> FastAPI:
    return build_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


def test_the_policy_reads_as_a_cache_control_header() -> None:
    assert POLICY.cache_control == "public, max-age=1, s-maxage=3, stale-while-revalidate=1"
    assert PublicCaching(max_age_seconds=0, shared_max_age_seconds=5).cache_control == (
        "public, max-age=0, s-maxage=5"
    )


async def test_a_public_answer_carries_a_stable_strong_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/public")
    second = await client.get("/public")

    assert first.status_code == 200
    assert first.json() == {"greeting": "hello"}
    assert first.headers["cache-control"] == POLICY.cache_control
    assert first.headers["etag"].startswith('"')
    assert first.headers["etag"].endswith('"')
    assert second.headers["etag"] == first.headers["etag"]
    assert first.headers["content-length"] == str(len(first.content))


async def test_a_matching_if_none_match_is_a_304_with_the_caching_headers_and_no_body(
    client: httpx.AsyncClient,
) -> None:
    etag = (await client.get("/public")).headers["etag"]

    response = await client.get("/public", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == POLICY.cache_control
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    "header",
    ['"other", {etag}', "W/{etag}", '{etag},"other"', "*"],
)
async def test_if_none_match_lists_weak_tags_and_the_wildcard_match(
    client: httpx.AsyncClient, header: str
) -> None:
    etag = (await client.get("/public")).headers["etag"]

    response = await client.get("/public", headers={"If-None-Match": header.format(etag=etag)})

    assert response.status_code == 304


async def test_a_stale_etag_gets_the_new_body_and_a_new_etag(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    old = (await client.get("/public")).headers["etag"]
    app.state.greeting = "hello again"

    response = await client.get("/public", headers={"If-None-Match": old})

    assert response.status_code == 200
    assert response.json() == {"greeting": "hello again"}
    assert response.headers["etag"] != old


async def test_an_etag_the_route_sets_is_kept_and_a_304_keeps_vary(
    client: httpx.AsyncClient,
) -> None:
    fresh = await client.get("/versioned")
    revalidated = await client.get("/versioned", headers={"If-None-Match": '"v7"'})

    assert fresh.headers["etag"] == '"v7"'
    assert revalidated.status_code == 304
    assert revalidated.headers["etag"] == '"v7"'
    assert revalidated.headers["vary"] == "Accept-Language"
    assert revalidated.content == b""


async def test_answers_that_declare_nothing_are_stored_by_no_cache(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/private")

    assert response.headers["cache-control"] == PRIVATE
    assert "etag" not in response.headers


async def test_an_error_from_a_public_route_is_not_public(client: httpx.AsyncClient) -> None:
    response = await client.get("/public-missing")

    assert response.status_code == 404
    assert response.headers["cache-control"] == PRIVATE
    assert "etag" not in response.headers


async def test_only_reads_are_conditional(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/public")).headers["etag"]

    response = await client.post("/public", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "etag" not in response.headers


def test_if_none_match_compares_opaque_tags_only() -> None:
    assert none_match('"abc"', '"abc"')
    assert none_match('W/"abc"', '"abc"')
    assert not none_match('"abcd"', '"abc"')
    assert not none_match("abc", '"abc"')  # not an entity tag
    assert not none_match("", '"abc"')
