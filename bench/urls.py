"""The site's routes plus `/bench/one-query/`: a view that reads one row and returns a
few bytes, served by the same processes, middleware included."""

from django.http import HttpResponse
from django.urls import include, path

from cop.models import Community


def one_query(request):
    return HttpResponse(Community.objects.values_list("name", flat=True).first() or "")


urlpatterns = [
    path("bench/one-query/", one_query),
    path("", include("cop.urls.site")),
]
