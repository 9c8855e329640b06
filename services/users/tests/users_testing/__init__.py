"""What the users tests share besides fixtures (those stay in conftest.py)."""

from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[2]
API = "/api/users"
STRONG_PASSWORD = "correct horse battery staple"
# How long a test waits for a condition (or a held hash) before it fails.
DEADLINE_SECONDS = 10.0

# Argon2 at its cheapest (these tests are about behaviour, not cost); the tests about cost
# and timing set their own parameters.
CHEAP_HASHING = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8 * 1024,
    "password_hash_parallelism": 1,
}
