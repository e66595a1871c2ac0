"""Sign-in, sign-out and switching between the companies a user belongs to."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from faktura.tenancy.middleware import SESSION_KEY
from faktura.web.forms import LoginForm
from faktura.web.utils import page, parse_int


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@page()
def home(request):
    return redirect("web:task_list")


@require_POST
@page()
def tenant_switch(request):
    tenant_id = parse_int(request.POST.get("tenant_id"))
    if tenant_id is None:
        return HttpResponseBadRequest()
    if any(m.tenant_id == tenant_id for m in request.memberships):
        request.session[SESSION_KEY] = tenant_id
    # Pages of the previous company (its ids) mean nothing in the new one: start over.
    return redirect("web:home")
