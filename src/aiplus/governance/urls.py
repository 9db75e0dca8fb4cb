"""URL patterns of safety governance's pages, included under `governance/` (namespace
`governance`)."""

from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("filings/", views.filings, name="filings"),
    path("filings/<int:pk>/status/", views.filing_status, name="filing_status"),
    path(
        "demands/<int:pk>/checklists/<slug:stage>/",
        views.checklist_page,
        name="checklist",
    ),
    path(
        "demands/<int:pk>/checklists/<slug:stage>/sign/",
        views.checklist_sign,
        name="checklist_sign",
    ),
    path("audit/", views.audit, name="audit"),
]
