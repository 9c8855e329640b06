"""What the catalog tests share besides fixtures (those stay in conftest.py)."""

from pathlib import Path
from typing import Any

SERVICE_DIR = Path(__file__).resolve().parents[2]
ORDERS_KEY = "orders-test-service-key"
# How long `eventually` waits for a condition before the test fails.
DEADLINE_SECONDS = 10.0

Json = dict[str, Any]
