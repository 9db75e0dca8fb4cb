"""HTTP downloads of demand lists, shared by the pages and the API."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from . import io
from .models import DemandList

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, *, content_type: str, filename: str, ascii_name: str) -> HttpResponse:
    """A download with a UTF-8 file name (RFC 6266) and an ASCII fallback."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def demand_list_download(
    demand_list: DemandList, fmt: str, *, include_contact: bool
) -> HttpResponse:
    """The list as .xlsx (contacts only for the office) or as the printable PDF."""
    if fmt == "pdf":
        body, content_type = io.export_list_pdf(demand_list=demand_list), "application/pdf"
    else:
        body = io.export_demands_xlsx(
            demands=io.list_demands(demand_list),
            title=demand_list.name,
            include_contact=include_contact,
        )
        content_type = XLSX
    return attachment(
        body,
        content_type=content_type,
        filename=f"{demand_list.name}.{fmt}",
        ascii_name=f"demand-list-{demand_list.pk}.{fmt}",
    )
