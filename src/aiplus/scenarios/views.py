from django.http import HttpResponse


def demand_list(request):
    return HttpResponse("ok")
