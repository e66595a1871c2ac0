"""Sign-in, sign-out, passwords, accepting invitations and switching between companies."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from faktura.common.errors import FakturaError
from faktura.tenancy import invitations, selectors
from faktura.tenancy.http import site_url
from faktura.tenancy.inputs import InvitationAccept
from faktura.tenancy.middleware import SESSION_KEY
from faktura.web.forms import LoginForm
from faktura.web.forms.auth import AcceptInvitationForm
from faktura.web.utils import apply_errors, page, parse_int
from faktura.web.views.start import overview_page


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """The answer to a sign-in while the account or the address is locked out (django-axes),
    for the UI's login and /admin/login/ alike: the sign-in page with the reason, 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)s minutes; "
        "try again later or reset your password."
    ) % {"minutes": minutes}
    context = {
        "form": LoginForm(request),
        "lockout": message,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "web/login.html", context, status=429)


# --- passwords --------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/auth/password_reset.html"
    email_template_name = "web/auth/password_reset_email.txt"
    subject_template_name = "web/auth/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site_url": site_url(self.request)}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/auth/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/auth/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/auth/password_reset_complete.html"


class _PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/auth/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


password_change = page()(_PasswordChangeView.as_view())


# --- invitations ------------------------------------------------------------------------------

# What the accept page says about a link that cannot be used, by error code.
_INVITATION_PROBLEMS = {
    "invitation_invalid": gettext_lazy(
        "This invitation link is not valid. Check that it was copied completely."
    ),
    "invitation_expired": gettext_lazy(
        "This invitation has expired. Ask the company for a new one."
    ),
    "invitation_used": gettext_lazy(
        "This invitation has been accepted already. Sign in to continue."
    ),
    "invitation_revoked": gettext_lazy(
        "This invitation was withdrawn or replaced by a newer one. Ask the company for a new one."
    ),
}


@never_cache
def invitation_accept(request, token: str):
    """The page an invitation link opens: join with the signed-in account, sign in first, or
    (without an account) choose a name and password."""
    try:
        invitation = invitations.invitation_for_token(token)
    except FakturaError as exc:
        status = 404 if exc.code == "invitation_invalid" else 410
        message = _INVITATION_PROBLEMS.get(exc.code, exc.message)
        return render(
            request, "web/auth/invitation_problem.html", {"message": message}, status=status
        )
    context = {"invitation": invitation, "token": token}
    user = request.user
    if user.is_authenticated:
        if (user.username or "").lower() != invitation.email:
            context["other_account"] = True
            return render(request, "web/auth/invitation_accept.html", context, status=403)
        if request.method == "POST":
            try:
                membership = invitations.invitation_accept(token=token, user=user)
            except FakturaError as exc:
                context["error"] = exc.message
            else:
                return _joined(request, membership)
        return render(request, "web/auth/invitation_accept.html", context)
    if selectors.account_exists(invitation.email):
        context["sign_in_url"] = reverse("web:login") + "?next=" + request.path
        return render(request, "web/auth/invitation_accept.html", context)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitations.invitation_accept_new(
                token=token,
                data=InvitationAccept(
                    name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
                ),
            )
        except FakturaError as exc:
            apply_errors(form, exc, {"password": "password1"})
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(request, membership)
    context["form"] = form
    return render(request, "web/auth/invitation_accept.html", context)


def _joined(request, membership):
    request.session[SESSION_KEY] = membership.tenant_id
    messages.success(request, _("Welcome to %(company)s.") % {"company": membership.tenant.name})
    return redirect("web:home")


# --- the rest ---------------------------------------------------------------------------------


@page()
def home(request):
    """The start page: an overview (the running timer, my hours this week, drafts waiting for
    review, unbilled value, overdue receivables), money only for those allowed to see it."""
    return overview_page(request)


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


_COLOUR = re.compile(r"[0-9a-fA-F]{6}")


@require_GET
def theme_css(request):
    """The company's accent colour as a style sheet (?c=1f4e79): pages carry no inline
    style, which the Content-Security-Policy would refuse."""
    colour = request.GET.get("c", "")
    if not _COLOUR.fullmatch(colour):
        colour = "1f4e79"
    response = HttpResponse(f":root {{ --accent: #{colour.lower()}; }}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
