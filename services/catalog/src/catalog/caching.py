"""How long browsers and the gateway may keep what the catalog shows anonymously.

The gateway (nginx) cannot purge, so these figures bound how stale a public read can be
(docs/catalog.md, "Caching"). Reservations never read through a cache: orders reserves through
/internal/, which reads the product rows under lock and is `private, no-store`.
"""

from service_kit.http_caching import PublicCaching, cache_publicly

PUBLIC_READS = PublicCaching(
    # A browser keeps its copy one second, then revalidates with If-None-Match (a 304).
    max_age_seconds=1,
    # The gateway answers a URL from its copy for this long, then asks catalog again...
    shared_max_age_seconds=3,
    # ...serving the old copy meanwhile, for at most this long past its expiry.
    stale_while_revalidate_seconds=1,
)

# nginx keeps expiry in whole seconds, which can add up to one: a change committed now is
# what the gateway answers at most this many seconds later (plus catalog's own answer time).
GATEWAY_STALENESS_BOUND_SECONDS = (
    PUBLIC_READS.shared_max_age_seconds + PUBLIC_READS.stale_while_revalidate_seconds + 1
)

PublicRead = cache_publicly(PUBLIC_READS)
