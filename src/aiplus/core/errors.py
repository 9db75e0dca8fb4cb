"""Errors that services raise and that views and the API turn into clear messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action: `message` is shown to the user (Chinese), `errors` maps field → message."""

    status_code = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class PermissionDenied(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409
