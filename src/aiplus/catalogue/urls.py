"""URL patterns of the catalogue's pages, included under `catalogue/` (namespace `catalogue`)."""

from django.urls import path

from . import views, views_manage

app_name = "catalogue"

urlpatterns = [
    # public: search, entry pages, files (as permissions allow), exports
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("dcat.jsonld", views.dcat, name="dcat"),
    path("<int:pk>/croissant.jsonld", views.croissant, name="croissant"),
    # owners
    path("new/", views_manage.create, name="create"),
    path("<int:pk>/edit/", views_manage.edit, name="edit"),
    path("<int:pk>/publish/", views_manage.publish, name="publish"),
    path("<int:pk>/withdraw/", views_manage.withdraw, name="withdraw"),
    path("<int:pk>/versions/", views_manage.version_add, name="version_add"),
    path("<int:pk>/files/", views_manage.file_upload, name="file_upload"),
    path("<int:pk>/files/external/", views_manage.file_external, name="file_external"),
    path("files/<int:pk>/remove/", views_manage.file_remove, name="file_remove"),
    path("<int:pk>/links/", views_manage.links, name="links"),
    path("import/", views_manage.import_entries, name="import"),
    path("import/template.csv", views_manage.import_template, name="import_template"),
    # access requests
    path("<int:pk>/request/", views_manage.request_access, name="request_access"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/agreement/", views.request_agreement, name="request_agreement"),
    path("requests/<int:pk>/decide/", views_manage.request_decide, name="request_decide"),
    path("requests/<int:pk>/revoke/", views_manage.request_revoke, name="request_revoke"),
    path("requests/<int:pk>/withdraw/", views_manage.request_withdraw, name="request_withdraw"),
    # the office
    path("<int:pk>/quality/", views_manage.assess, name="assess"),
    # links made from a demand's or solution's page
    path("link/", views.link_own, name="link_own"),
]
