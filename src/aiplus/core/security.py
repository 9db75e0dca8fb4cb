"""Security headers that Django 5.2 does not set itself.

Django's SecurityMiddleware already sends HSTS (in production), ``X-Content-Type-Options``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``, and XFrameOptionsMiddleware sends
``X-Frame-Options``. This middleware adds:

- ``Content-Security-Policy``: scripts only from this origin, no inline script and no eval (pages
  ask for behaviour through data attributes, see static/aiplus/site.js), no plugins, no framing,
  forms post only here. Inline styles stay allowed: ECharts, HTMX and the Swagger UI set them.
- ``Permissions-Policy``: no camera, microphone, geolocation, payment or USB for any page.
- ``Cross-Origin-Resource-Policy``: other sites may not embed our responses.

A view may send its own ``Content-Security-Policy`` (file downloads send a stricter one); it is
kept. ``settings.CONTENT_SECURITY_POLICY`` replaces the policy, e.g. to report to an endpoint.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
# A downloaded file is shown, if at all, as an inert document: no script, no plugins, no framing.
DOWNLOAD_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def policy_header(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = policy_header(getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY))

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def protect_download(response):
    """Headers for a served upload: never sniffed, never run as a page of this site."""
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response
