"""HTTP clients for service-to-service calls: bounded timeouts, request id and trace context
forwarded, and the retry policy of a call that may be repeated."""

from dataclasses import dataclass

import httpx
import stamina
from opentelemetry.trace import TracerProvider

from service_kit.request_context import (
    REQUEST_ID_HEADER,
    TRACEPARENT_HEADER,
    current_request_id,
    current_traceparent,
)
from service_kit.tracing import trace_calls


async def _forward_request_context(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id is not None:
        request.headers[REQUEST_ID_HEADER] = request_id
    # Set only while tracing is off; when on, the instrumentation injects its own span's.
    traceparent = current_traceparent()
    if traceparent is not None:
        request.headers[TRACEPARENT_HEADER] = traceparent


def create_service_client(
    base_url: str,
    *,
    connect_timeout_seconds: float,
    read_timeout_seconds: float,
    transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> httpx.AsyncClient:
    """A client for one other service. Never unbounded: every phase has a timeout.

    With the app's `tracer_provider` (`app.state.tracer_provider`; None when tracing is off)
    every call is a client span whose context goes along in `traceparent`."""
    client = httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(
            connect=connect_timeout_seconds,
            read=read_timeout_seconds,
            write=read_timeout_seconds,
            pool=connect_timeout_seconds,
        ),
        event_hooks={"request": [_forward_request_context]},
        transport=transport,
    )
    if tracer_provider is not None:
        trace_calls(client, tracer_provider)
    return client


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    wait_initial_seconds: float
    wait_max_seconds: float
    deadline_seconds: float


class TransientAnswer(Exception):
    """A 5xx from the service called (or from something in front of it): worth another try."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"the service answered {response.status_code}")
        self.response = response


def _is_transient(error: Exception) -> bool:
    return isinstance(error, httpx.TransportError | TransientAnswer)


def retrying_caller(policy: RetryPolicy) -> stamina.BoundAsyncRetryingCaller:
    """Retries a call on connection errors, timeouts and TransientAnswer, with exponential
    backoff and jitter, within the policy's attempts and deadline (stamina)."""
    return stamina.AsyncRetryingCaller(
        attempts=policy.attempts,
        timeout=policy.deadline_seconds,
        wait_initial=policy.wait_initial_seconds,
        wait_max=policy.wait_max_seconds,
        wait_jitter=policy.wait_initial_seconds,
    ).on(_is_transient)
