"""What the e2e tests share besides fixtures (those stay in conftest.py)."""

from typing import Any

Json = dict[str, Any]
