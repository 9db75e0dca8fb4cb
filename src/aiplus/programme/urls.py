from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("programme/", views.dashboard, name="dashboard"),
    path("programme/indicators/", views.indicator_list, name="indicator_list"),
    path("programme/indicators/<slug:code>/", views.indicator_detail, name="indicator"),
    path(
        "programme/indicators/<slug:code>/settings/",
        views.indicator_settings,
        name="indicator_settings",
    ),
    path("programme/areas/", views.area_compare, name="areas"),
    path("programme/areas/<slug:code>/", views.area_detail, name="area"),
    path("programme/sectors/", views.sector_index, name="sectors"),
    path("programme/sectors/<slug:code>/", views.sector_detail, name="sector"),
    path("programme/reports/", views.reports, name="reports"),
    path("programme/reports/import/", views.import_values, name="import"),
    path("programme/reports/template.xlsx", views.import_template, name="template"),
    path("programme/late/", views.late, name="late"),
    path("programme/review/", views.review, name="review"),
    path("programme/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path(
        "programme/submissions/<int:pk>/<str:action>/",
        views.submission_action,
        name="submission_action",
    ),
    path("programme/evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("programme/briefing.<str:fmt>", views.briefing, name="briefing"),
    path("programme/figures.xlsx", views.figures, name="figures"),
]
