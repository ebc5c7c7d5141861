from django.urls import include, path

from recoup.web.views import aging, auth

organisation_patterns = [
    path("aging/", aging.aging_page, name="aging"),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("o/<slug:slug>/", include(organisation_patterns)),
]
