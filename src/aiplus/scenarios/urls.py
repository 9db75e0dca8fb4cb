from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/new/", views.demand_create, name="demand_create"),
    path("demands/similar/", views.similar_demands, name="similar_demands"),
    path("suggest-tags/", views.suggest_tags, name="suggest_tags"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("demands/<int:pk>/transition/", views.demand_transition, name="demand_transition"),
    path("demands/<int:pk>/invite/", views.demand_invite, name="demand_invite"),
    path("demands/<int:pk>/propose/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/<str:action>/", views.proposal_action, name="proposal_action"),
    path("lists/", views.list_index, name="list_index"),
    path("lists/new/", views.list_create, name="list_create"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/add/", views.list_add, name="list_add"),
    path("lists/<int:pk>/remove/<int:demand_pk>/", views.list_remove, name="list_remove"),
    path("lists/<int:pk>/publish/", views.list_publish, name="list_publish"),
    path("lists/<int:pk>/export.<str:fmt>", views.list_export, name="list_export"),
    path("solutions/", views.solution_list, name="solution_list"),
    path("solutions/new/", views.solution_edit, name="solution_create"),
    path("solutions/<int:pk>/", views.solution_detail, name="solution_detail"),
    path("solutions/<int:pk>/edit/", views.solution_edit, name="solution_edit"),
    path("solutions/<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("roadshows/", views.roadshow_list, name="roadshow_list"),
    path("roadshows/new/", views.roadshow_create, name="roadshow_create"),
    path("roadshows/<int:pk>/", views.roadshow_detail, name="roadshow_detail"),
    path("roadshows/<int:pk>/register/", views.roadshow_register, name="roadshow_register"),
    path("office/", views.workbench, name="workbench"),
    path("office/import/", views.import_demands, name="import_demands"),
    path("my/", views.my, name="my"),
    path("my/credentials/", views.credentials, name="credentials"),
    path(
        "my/credentials/certifications/<int:pk>/delete/",
        views.certification_delete,
        name="certification_delete",
    ),
    path("my/credentials/filings/<int:pk>/delete/", views.filing_delete, name="filing_delete"),
]
