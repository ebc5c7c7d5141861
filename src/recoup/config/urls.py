from django.urls import include, path

from recoup.api.v1 import api as api_v1

urlpatterns = [
    path("api/v1/", api_v1.urls),
    path("", include("recoup.web.urls")),
]
