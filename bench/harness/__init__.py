"""The pieces `bench/run.py` and `bench/soak.py` are made of: wrk runs, the compose stack,
cgroup and Postgres measurements, fixtures, and the reports."""
