from django.urls import path

from . import urls_profile, views_documents

app_name = "policies"

urlpatterns = [
    path("policies/", views_documents.document_list, name="document_list"),
    path(
        "policies/documents/<slug:code>/",
        views_documents.document_detail,
        name="document",
    ),
]

urlpatterns += urls_profile.urlpatterns  # profiles, what you qualify for, measures, notices
