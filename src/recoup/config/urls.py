from django.urls import include, path

urlpatterns = [
    path("", include("recoup.web.urls")),
]
