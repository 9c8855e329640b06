"""What the orders tests share besides fixtures (those stay in conftest.py)."""

from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[2]
SERVICE_KEY = "orders-test-service-key"
# Orders' key for users' internal API in these tests.
USERS_SERVICE_KEY = "orders-test-users-service-key"
