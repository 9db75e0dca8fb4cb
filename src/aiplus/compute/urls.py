"""URL patterns of the compute platform's pages, included under `compute/` (namespace
`compute`): public pages, then the provider's, the enterprise's and the office's."""

from django.urls import path

from . import views, views_enterprise, views_office, views_provider

app_name = "compute"

urlpatterns = [
    # public
    path("", views.overview, name="overview"),
    path("offers/", views.offers, name="offers"),
    # compute providers (the office sees all)
    path("provider/centres/", views_provider.centres, name="centres"),
    path("provider/offers/", views_provider.my_offers, name="my_offers"),
    path("provider/offers/<int:pk>/", views_provider.offer_edit, name="offer_edit"),
    path("provider/offers/<int:pk>/close/", views_provider.offer_close, name="offer_close"),
    path("provider/orders/", views_provider.provider_orders, name="provider_orders"),
    path("provider/orders/<int:pk>/", views_provider.order_usage, name="order_usage"),
    path("provider/usage/import/", views_provider.usage_import, name="usage_import"),
    path("provider/usage/template.csv", views_provider.usage_template, name="usage_template"),
    path("runs/<int:pk>/export/<slug:fmt>/", views.run_export, name="run_export"),
    # organisations renting compute
    path("applications/", views_enterprise.applications, name="applications"),
    path(
        "applications/<int:pk>/withdraw/",
        views_enterprise.application_withdraw,
        name="application_withdraw",
    ),
    path("calculator/", views_enterprise.calculator, name="calculator"),
    path("my/orders/", views_enterprise.my_orders, name="my_orders"),
    # the programme office
    path("runs/", views_office.runs, name="runs"),
    path("runs/<int:pk>/", views_office.run_detail, name="run"),
    path("runs/<int:pk>/items/<int:item_pk>/", views_office.item_flag, name="item_flag"),
    path("orders/", views_office.orders, name="orders"),
    path("orders/<int:pk>/complete/", views_office.order_complete, name="order_complete"),
    path("ledger/", views_office.ledger, name="ledger"),
    path("reports/", views_office.report, name="reports"),
]
