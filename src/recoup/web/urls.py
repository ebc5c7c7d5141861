from django.urls import path

from recoup.web import views

urlpatterns = [
    path("", views.aging_page, name="aging"),
]
