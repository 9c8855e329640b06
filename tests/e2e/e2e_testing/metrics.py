"""One replica's own Prometheus metrics, read inside its container: /metrics is internal, never
routed by the gateway, and each replica counts only what it did itself."""

from docker.models.containers import Container
from prometheus_client.parser import text_string_to_metric_families

_READ_METRICS = (
    "import urllib.request;"
    "print(urllib.request.urlopen('http://localhost:8000/metrics', timeout=5).read().decode())"
)


def metrics_of(container: Container) -> str:
    """The replica's /metrics page, in Prometheus' text format."""
    exit_code, output = container.exec_run(["python", "-c", _READ_METRICS])
    assert isinstance(output, bytes)  # not streamed
    assert exit_code == 0, output.decode(errors="replace")
    return output.decode()


def sample_sum(metrics: str, sample: str, **labels: str) -> float:
    """The sum of the `sample` values (a counter's `<name>_total`) whose labels include
    `labels`; 0 when there is none yet."""
    return sum(
        found.value
        for family in text_string_to_metric_families(metrics)
        for found in family.samples
        if found.name == sample and labels.items() <= found.labels.items()
    )
