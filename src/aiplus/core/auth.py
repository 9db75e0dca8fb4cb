"""API authentication shared by every module's router: Bearer tokens and optional auth."""

from __future__ import annotations

from ninja.security import HttpBearer


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/auth/token."""

    def authenticate(self, request, token):
        from aiplus.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class OptionalAuth:
    """Authenticates when credentials are present, lets anonymous readers through otherwise.
    A bad token is refused (401) rather than silently treated as anonymous."""

    def __call__(self, request):
        from aiplus.accounts.services import user_for_token

        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            user = user_for_token(header[7:].strip())
            if user is None:
                return None
            request.user = user
        return request.user if request.user.is_authenticated else True
