"""A short-lived cache of the public pages as anonymous visitors see them ("micro-caching").

Most traffic of a city platform is anonymous: the home page, the demand and solution lists,
the catalogue and the policies, read far more often than they change. A page rendered for one
anonymous visitor is kept for `ANON_PAGE_CACHE_SECONDS` (30 in production; 0, the default
elsewhere, switches the cache off) in the `pages` cache, which all web workers share (a directory under `AIPLUS_VAR_DIR`), and
served to the next anonymous visitors of the same address, language and kind of request (a
whole page or an HTMX fragment). So an anonymous visitor may see a page up to that many
seconds old; a signed-in user never gets a cached page.

What is never cached: anything but GET, requests with a session or messages cookie (an
anonymous visitor with a flash message, or a session a view might read), the paths in
`ANON_PAGE_CACHE_EXCLUDE` (API, admin, sign-in, health), and responses that are not a plain
200 HTML page: other statuses, downloads, `Cache-Control: private/no-store/no-cache`, or a
response that sets a cookie.

CSRF: pages carry a CSRF token (the language switch, HTMX headers), which is per visitor. For
a cacheable request the template context gets a placeholder instead of the token
(`csrf_context`, a context processor), the placeholder is stored, and every response, cached
or fresh, gets this visitor's own token in its place, so `CsrfViewMiddleware` sets the cookie
that token belongs to. The middleware must come after `CsrfViewMiddleware`,
`AuthenticationMiddleware`, `LocaleMiddleware` and `MessageMiddleware` in `MIDDLEWARE`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import cc_delim_re

# The same length as a real masked token (64), so lengths do not change when it is replaced.
PLACEHOLDER = "aiplus-page-cache-csrf-placeholder-".ljust(64, "0")
_PLACEHOLDER = PLACEHOLDER.encode()
_FLAG = "_aiplus_page_cache"
_UNCACHEABLE = {"private", "no-store", "no-cache"}


def _seconds() -> int:
    return int(getattr(settings, "ANON_PAGE_CACHE_SECONDS", 0))


def cacheable_request(request) -> bool:
    """Whether this request may be answered from, and fill, the page cache."""
    if _seconds() <= 0 or request.method != "GET":
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    path = request.path_info
    return not any(path.startswith(p) for p in settings.ANON_PAGE_CACHE_EXCLUDE)


def cacheable_response(response) -> bool:
    """A plain, public 200 HTML page that sets no cookie."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if response.has_header("Content-Disposition"):
        return False
    directives = {
        d.split("=")[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return not directives & _UNCACHEABLE


def _key(request) -> str:
    parts = [
        request.get_host(),
        getattr(request, "LANGUAGE_CODE", ""),
        "hx" if request.headers.get("HX-Request") else "page",
        request.get_full_path(),
    ]
    return "anon-page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def csrf_context(request) -> dict:
    """Context processor: the placeholder as `csrf_token` for a page that may be cached (it
    runs after Django's own csrf processor, so it wins)."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, _FLAG, False) else {}


class AnonymousPageCacheMiddleware:
    """Answers a cacheable request from the `pages` cache or fills it (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            return self.get_response(request)
        cache, key = caches["pages"], _key(request)
        stored = cache.get(key)
        if stored is not None:
            content, content_type, language = stored
            response = HttpResponse(content, content_type=content_type)
            if language:
                response["Content-Language"] = language
            response["X-Page-Cache"] = "hit"
        else:
            setattr(request, _FLAG, True)
            response = self.get_response(request)
            if response.streaming:
                return response
            if cacheable_response(response):
                cache.set(
                    key,
                    (response.content, response["Content-Type"], response.get("Content-Language")),
                    _seconds(),
                )
                response["X-Page-Cache"] = "miss"
        if _PLACEHOLDER in response.content:
            response.content = response.content.replace(_PLACEHOLDER, get_token(request).encode())
            response["Content-Length"] = str(len(response.content))
        return response
