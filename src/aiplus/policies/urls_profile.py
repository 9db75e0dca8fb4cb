"""URL patterns of enterprise profiles, what an organisation qualifies for, the support measures
and notices. Included by `urls.py` into the `policies` namespace."""

from django.urls import path

from . import views_profile

urlpatterns = [
    path("policies/profile/", views_profile.profile, name="profile"),
    path(
        "policies/profile/evidence/<int:pk>/",
        views_profile.evidence_file,
        name="profile_evidence",
    ),
    path("policies/qualify/", views_profile.qualify, name="qualify"),
    path("policies/measures/", views_profile.measure_list, name="measure_list"),
    path("policies/measures/<slug:rule_id>/", views_profile.measure_detail, name="measure"),
    path("policies/notices/", views_profile.notices, name="notices"),
]
