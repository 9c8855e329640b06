"""Cross-cutting plumbing shared by the shop services.

Only what every service needs regardless of its domain lives here: settings, the database
engine and session for PgBouncer, problem-details errors, health endpoints, request ids,
JSON logging, metrics, HTTP caching headers and the HTTP client factory. Domain types never do.
"""
