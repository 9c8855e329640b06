"""A headless browser on the gateway's docs pages: Debian's chromium driven by Playwright,
every request the page makes recorded, and any that would leave the gateway's origin blocked
(deploy/host/ensure-chromium.sh installs the browser; Playwright cannot download one here)."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Route

from e2e_testing import Json

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# The switches a headless chromium needs as root in a container, and none that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every operation's method and path template, as Swagger UI renders them.
_RENDERED_OPERATIONS = """() => Array.from(document.querySelectorAll(".opblock")).map((op) => [
    op.querySelector(".opblock-summary-method").textContent.toLowerCase(),
    op.querySelector("[data-path]").dataset.path,
])"""


def launch_chromium(playwright: Playwright) -> Browser:
    executable = shutil.which("chromium")
    assert executable is not None, "no chromium: run deploy/host/ensure-chromium.sh"
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def operations_of(document: Json) -> set[tuple[str, str]]:
    """(method, path) of every operation an OpenAPI document declares."""
    return {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def rendered_operations(page: Page) -> set[tuple[str, str]]:
    return {(method, path) for method, path in page.evaluate(_RENDERED_OPERATIONS)}


@dataclass
class RecordedPage:
    """A page whose every request is recorded; those for another origin are blocked."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    # Errors the page logged: a script that failed, a resource the CSP refused.
    console_errors: list[str] = field(default_factory=list)

    def _route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)


@contextmanager
def recorded_page(browser: Browser, origin: str) -> Iterator[RecordedPage]:
    context = browser.new_context(base_url=origin)
    try:
        page = context.new_page()
        recorded = RecordedPage(page=page, origin=origin)
        context.route("**/*", recorded._route)
        page.on("console", recorded._console)
        page.on("pageerror", lambda error: recorded.console_errors.append(str(error)))
        yield recorded
    finally:
        context.close()
