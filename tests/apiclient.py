"""A JSON API client for tests: `api_as(user)` logs in with a token, `api_as()` is anonymous."""

from __future__ import annotations

import io

from django.test import Client

from .factories import PASSWORD


class Api:
    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, url, params=None):
        return self.client.get(url, params or {}, **self.headers)

    def _send(self, method: str, url, data=None):
        send = getattr(self.client, method)
        return send(
            url, {} if data is None else data, content_type="application/json", **self.headers
        )

    def post(self, url, data=None):
        return self._send("post", url, data)

    def put(self, url, data=None):
        return self._send("put", url, data)

    def patch(self, url, data=None):
        return self._send("patch", url, data)

    def delete(self, url):
        return self.client.delete(url, **self.headers)

    def upload(self, url, body: bytes, name: str = "values.xlsx", **fields):
        """A multipart POST with `body` as the `file` field (named `name`) and other fields."""
        upload = io.BytesIO(body)
        upload.name = name
        return self.client.post(url, {"file": upload, **fields}, **self.headers)


def token_for(user) -> str:
    response = Client().post(
        "/api/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def api_as(user=None) -> Api:
    return Api(token_for(user) if user is not None else None)
