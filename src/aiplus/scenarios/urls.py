from django.urls import path

from . import views

app_name = "scenarios"

urlpatterns = [
    path("demands/", views.demand_list, name="demand_list"),
]
