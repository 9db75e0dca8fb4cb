from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("aiplus.accounts.urls")),
    path("", include("aiplus.scenarios.urls")),
    path("", include("aiplus.programme.urls")),
    path("", include("aiplus.policies.urls")),
    path("compute/", include("aiplus.compute.urls")),
    path("catalogue/", include("aiplus.catalogue.urls")),
    path("governance/", include("aiplus.governance.urls")),
    path("", include("aiplus.core.urls")),
]
