"""What the service kit's tests share besides fixtures (those stay in conftest.py)."""
