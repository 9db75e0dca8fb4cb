"""Who is asking (`client_ip`) and how often the API may be asked (`ApiRateThrottle`).

Behind a TLS proxy every request comes from the proxy's address, so the client's own address is
read from ``X-Forwarded-For`` — but only as far as the operator says proxies are trusted
(``TRUSTED_PROXIES``, the number of proxies in front; 0 trusts no header, since a client can send
any ``X-Forwarded-For`` it likes). Login throttling and API rate limits both count by it.

API rate limits: a signed-in caller (token or session) is counted by user, an anonymous caller
by address; over the limit the API answers 429 with ``Retry-After``. Counts are kept in the
``throttle`` cache: in production a directory shared by every worker process, so several
gunicorn workers count one client together (docs/deploy.md); in memory otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from ninja.throttling import SimpleRateThrottle


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies recorded."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Each trusted proxy appends the address it saw; the nearest untrusted one is the client.
    return hops[-min(proxies, len(hops))][:45]


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per user (API_RATE_USER) or, for anonymous callers, per address
    (API_RATE_ANON). Rates look like "600/m"; an empty rate switches the limit off."""

    def __init__(self, *, signed_in: bool):
        self.signed_in = signed_in
        self.scope = "user" if signed_in else "anon"
        super().__init__(None)

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self):
        """Read at every request, so a changed setting applies at once (tests change it)."""
        return (settings.API_RATE_USER if self.signed_in else settings.API_RATE_ANON) or None

    def get_cache_key(self, request) -> str | None:
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        if authenticated != self.signed_in:
            return None  # the other throttle counts this request
        ident = user.pk if authenticated else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
