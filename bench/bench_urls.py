"""URLconf for benchmarks: the project's URLs plus a bare Django view as the baseline."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), path("", include("aiplus.urls"))]
