"""Logging in and out, and the front door."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recoup.accounts.selectors import memberships_of


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A fresh install has no login yet: say how to make one instead of showing a form nobody can pass.
        context["no_users"] = not get_user_model().objects.exists()
        return context


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    """Send a member to their organisation's first page; everyone else to the login page."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = memberships_of(request.user)
    if not memberships:
        return render(request, "web/no_organisation.html", status=200)
    return redirect("dashboard", slug=memberships[0].organisation.slug)
