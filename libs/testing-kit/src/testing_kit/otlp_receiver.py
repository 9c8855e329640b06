"""A small OTLP/HTTP trace receiver: what a collector (Jaeger, Tempo, the OTel Collector)
is to the services, reduced to remembering the spans it is sent.

In a test process, `receiving_spans()` runs it on a free loopback port. In the e2e shop it
runs as a container of its own (`python otlp_receiver.py`, from a service's image, which has
the OTLP protobuf package through the exporter) and prints every span as a JSON line, which
the test reads from the container's log. No collector image is needed, so it works offline
and with both compose versions. Only the standard library and opentelemetry-proto, so the
file runs on its own.
"""

import gzip
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

TRACES_PATH = "/v1/traces"
OTLP_HTTP_PORT = 4318


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: str  # "server", "client", "internal", ...
    trace_id: str  # hex, as in traceparent
    span_id: str
    parent_span_id: str | None
    attributes: dict[str, Any]


def _value(any_value: Any) -> Any:
    field = any_value.WhichOneof("value")
    return None if field is None else getattr(any_value, field)


def decode_spans(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest.FromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        service=str(resource.get("service.name")),
                        name=span.name,
                        kind=Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_").lower(),
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        attributes={a.key: _value(a.value) for a in span.attributes},
                    )
                )
    return spans


def _handler(on_spans: Callable[[list[ReceivedSpan]], None]) -> type[BaseHTTPRequestHandler]:
    class OtlpHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != TRACES_PATH:
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            on_spans(decode_spans(body))
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per export would drown the spans in the e2e log

    return OtlpHandler


@dataclass
class ReceivedSpans:
    endpoint: str  # OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for the exporter
    spans: list[ReceivedSpan]


@contextmanager
def receiving_spans() -> Iterator[ReceivedSpans]:
    """The receiver on a free loopback port, for as long as the block runs."""
    received = ReceivedSpans(endpoint="", spans=[])
    lock = threading.Lock()

    def keep(spans: list[ReceivedSpan]) -> None:
        with lock:
            received.spans.extend(spans)

    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(keep))
    received.endpoint = f"http://127.0.0.1:{server.server_address[1]}{TRACES_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _print_spans(spans: list[ReceivedSpan]) -> None:
    for span in spans:
        sys.stdout.write(json.dumps({"otlp_span": asdict(span)}, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", OTLP_HTTP_PORT), _handler(_print_spans)).serve_forever()  # noqa: S104 (a container's port)
