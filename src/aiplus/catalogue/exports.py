"""HTTP responses of the catalogue's machine-readable exports, shared by the pages and the API:

- `catalogue_response`: the public catalogue as DCAT-AP 3 JSON-LD
  (`/catalogue/dcat.jsonld`, `/api/catalogue/dcat`);
- `croissant_response`: one published dataset or corpus as Croissant JSON-LD
  (`/catalogue/<pk>/croissant.jsonld`, `/api/catalogue/entries/{id}/croissant`).

All are public: they carry only what the published entry pages show, and no file locations of
entries that are not open (see `dcat`).
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse

from . import dcat
from .choices import Status
from .models import Entry

JSONLD = "application/ld+json; charset=utf-8"


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _jsonld(doc: dict, filename: str) -> HttpResponse:
    body = json.dumps(doc, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type=JSONLD)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def catalogue_response(request) -> HttpResponse:
    """All published entries as a DCAT-AP 3 catalogue (application/ld+json)."""
    base_url = _base_url(request)
    doc = dcat.catalogue_jsonld(
        dcat.public_entries(),
        base_url=base_url,
        catalogue_meta=dcat.default_catalogue_meta(base_url=base_url),
    )
    return _jsonld(doc, "aiplus-catalogue-dcat.jsonld")


def croissant_response(request, entry: Entry) -> HttpResponse:
    """A published dataset or corpus as Croissant 1.0 JSON-LD; 404 for drafts, withdrawn
    entries, models and demos."""
    if entry.status != Status.PUBLISHED or not dcat.is_croissant_kind(entry):
        raise Http404("Croissant 元数据仅提供给已发布的数据集和语料库。")
    entry = dcat.public_entries().filter(pk=entry.pk).first()
    if entry is None:
        raise Http404
    doc = dcat.croissant(entry, base_url=_base_url(request))
    return _jsonld(doc, f"aiplus-catalogue-{entry.pk}-croissant.jsonld")
