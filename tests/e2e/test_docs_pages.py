"""The docs pages in a real browser (headless chromium): the gateway serves them and Swagger UI
itself, so they work with no internet; every operation of every API appears; "Try it out"
calls the API through the gateway; and the pages ask nothing of any other origin."""

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import httpx
import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from e2e_testing import Json
from e2e_testing.docs_pages import (
    RecordedPage,
    launch_chromium,
    operations_of,
    recorded_page,
    rendered_operations,
)
from e2e_testing.stack import Shop
from testing_kit.database_stack import SERVICES

# Rendering three documents of a hundred operations takes a while on a busy CI machine.
RENDERED_WITHIN_MS = 30_000
DOCS_PAGES = ["/docs", *(f"/api/{service}/docs" for service in SERVICES)]
SWAGGER_UI_BUNDLE = re.compile(r"/docs/assets/swagger-ui-[0-9.]+/swagger-ui-bundle\.js")
# What the page itself links: Swagger UI's scripts, its styles, its icon.
ASSET_REFERENCE = re.compile(r'(?:src|href)="(/docs/assets/[^"]+)"')
ASSET_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # expect() waits by a deadline of its own (5 s), apart from the page's.
    expect.set_options(timeout=RENDERED_WITHIN_MS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def docs(browser: Browser, shop: Shop) -> Iterator[RecordedPage]:
    with recorded_page(browser, shop.gateway_url) as recorded:
        recorded.page.set_default_timeout(RENDERED_WITHIN_MS)
        yield recorded


@pytest.fixture(scope="module")
def documents(shop: Shop) -> dict[str, Json]:
    with httpx.Client(base_url=shop.gateway_url, timeout=10) as gateway:
        return {
            service: gateway.get(f"/api/{service}/openapi.json").raise_for_status().json()
            for service in SERVICES
        }


def _assert_stayed_on_the_gateway(docs: RecordedPage) -> None:
    assert docs.blocked == []
    assert docs.console_errors == []


def test_the_docs_page_shows_every_operation_of_the_three_apis(
    docs: RecordedPage, documents: dict[str, Json]
) -> None:
    page = docs.page
    page.goto("/docs")

    for service in SERVICES:
        page.locator(".topbar select").select_option(label=service)
        expect(page.locator(".info .title")).to_contain_text(documents[service]["info"]["title"])
        expected = operations_of(documents[service])
        expect(page.locator(".opblock")).to_have_count(len(expected))
        assert rendered_operations(page) == expected
    _assert_stayed_on_the_gateway(docs)


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_docs_page_shows_its_operations(
    docs: RecordedPage, documents: dict[str, Json], service: str
) -> None:
    page = docs.page
    page.goto(f"/api/{service}/docs")

    expect(page.locator(".info .title")).to_contain_text(documents[service]["info"]["title"])
    expected = operations_of(documents[service])
    expect(page.locator(".opblock")).to_have_count(len(expected))
    assert rendered_operations(page) == expected
    _assert_stayed_on_the_gateway(docs)


def test_try_it_out_lists_the_products_through_the_gateway(docs: RecordedPage) -> None:
    page = docs.page
    page.goto("/api/catalog/docs")
    operation = page.locator(".opblock-get").filter(
        has=page.locator('[data-path="/api/catalog/products"]')
    )

    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    with page.expect_response(
        lambda response: (
            response.request.method == "GET"
            and response.url.split("?")[0] == f"{docs.origin}/api/catalog/products"
        )
    ) as answered:
        operation.locator("button.execute").click()

    assert answered.value.status == 200
    assert "items" in answered.value.json()
    status_shown = operation.locator(".live-responses-table tbody .response-col_status")
    expect(status_shown).to_have_text("200")
    _assert_stayed_on_the_gateway(docs)


def test_the_page_loads_swagger_ui_from_the_gateway_only(docs: RecordedPage) -> None:
    page = docs.page
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()

    paths = [url.removeprefix(docs.origin) for url in docs.requests]
    assert all(url.startswith(f"{docs.origin}/") for url in docs.requests)
    assert any(SWAGGER_UI_BUNDLE.fullmatch(path) for path in paths)
    _assert_stayed_on_the_gateway(docs)


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_the_docs_pages_may_load_only_from_the_gateway(gateway: httpx.Client, path: str) -> None:
    page = gateway.get(path)

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    directives = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["Content-Security-Policy"].split(";")
    )
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert not any("http" in sources for sources in directives.values())


def test_swagger_ui_is_served_long_cached_with_its_media_types(gateway: httpx.Client) -> None:
    assets = ASSET_REFERENCE.findall(gateway.get("/docs").text)

    assert {PurePosixPath(asset).suffix for asset in assets} == set(ASSET_MEDIA_TYPES)
    for asset in assets:
        response = gateway.get(asset)
        assert response.status_code == 200, asset
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type == ASSET_MEDIA_TYPES[PurePosixPath(asset).suffix]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
