"""Template context shared by every page: the city pack's titles and the user's role."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=4)
def _meta(city: str) -> dict:
    from .citypack import pack_meta
    from .errors import ServiceError

    try:
        return pack_meta(city)
    except ServiceError:
        return {"name": city, "platform_title": "人工智能+城市服务平台"}


def platform(request) -> dict:
    meta = _meta(settings.CITY_PACK)
    user = getattr(request, "user", None)
    role = None
    if user is not None and user.is_authenticated:
        role = "office" if user.is_superuser else user.role
    return {
        "city": meta,
        "platform_title": meta.get("platform_title", "人工智能+城市服务平台"),
        "user_role": role,
    }
