"""Settings: the company profile, members, teams and API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from faktura.tenancy import invitations, selectors, services, terms
from faktura.tenancy.http import logo_response, site_url
from faktura.tenancy.inputs import TenantUpdate
from faktura.web.forms import MemberForm, MemberUpdateForm, TeamForm, TenantForm, TokenForm
from faktura.web.forms.settings import MemberTermsForm
from faktura.web.utils import action, can, page, submit, ui_context


@page("manage_settings")
def company(request):
    tenant = request.tenant
    form = TenantForm(
        request.POST or None, request.FILES or None, initial=TenantForm.initial_for(tenant)
    )
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        saved = submit(form, lambda: _company_save(request, form, data))
        if saved is not None:
            messages.success(request, _("Company profile saved."))
            return redirect("web:settings")
    logo = selectors.tenant_logo(tenant=tenant)
    return render(request, "web/settings/company.html", {"form": form, "logo": logo})


def _company_save(request, form: TenantForm, data: TenantUpdate):
    # The profile first: its errors leave everything as it was. The logo was checked by the
    # form already, so storing it is all that is left.
    ctx = ui_context(request)
    tenant = services.tenant_update(ctx, data=data)
    if form.cleaned_data.get("logo") is not None:
        tenant = services.tenant_logo_set(ctx, upload=form.cleaned_data["logo"])
    elif form.cleaned_data.get("logo_remove"):
        tenant = services.tenant_logo_remove(ctx)
    return tenant


@page()
def company_logo(request):
    """The current tenant's logo, for the preview on the settings page (never another's)."""
    found = selectors.tenant_logo_content(tenant=request.tenant)
    if found is None:
        raise Http404
    return logo_response(*found)


# --- API tokens -------------------------------------------------------------------------------


def _token_form(request, data=None) -> TokenForm:
    members = ()
    if can(request, "manage_all_tokens"):
        members = selectors.membership_list(tenant=request.tenant).filter(is_active=True)
    return TokenForm(data, members=members)


@page()
def token_list(request):
    form = _token_form(request, request.POST or None)
    created = None
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        result = submit(form, lambda: services.token_create(ui_context(request), data=data))
        if result is not None:
            # The raw key is in this one answer only; the list below shows its prefix.
            created = {"token": result[0], "raw": result[1]}
            form = _token_form(request)
    tokens = selectors.token_list(
        tenant=request.tenant,
        membership=request.membership,
        all_members=can(request, "manage_all_tokens"),
    )
    response = render(
        request,
        "web/settings/tokens.html",
        {"form": form, "tokens": tokens, "created": created},
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@page()
def token_revoke(request, token_id: int):
    token = action(request, lambda: services.token_revoke(ui_context(request), token_id=token_id))
    if token is not None:
        messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("web:token_list")


# --- members and teams ------------------------------------------------------------------------


@page("manage_members")
def member_list(request):
    teams = selectors.team_list(tenant=request.tenant)
    show_rates = can(request, "view_rates")
    form = MemberForm(request.POST or None, teams=teams, show_rates=show_rates)
    sent = None
    if request.method == "POST" and form.is_valid():
        result = submit(
            form,
            lambda: invitations.membership_invite(
                ui_context(request), data=form.invite, base_url=site_url(request)
            ),
        )
        if result is not None:
            sent = {"invitation": result[0], "link": result[1]}
            form = MemberForm(teams=teams, show_rates=show_rates)
    return _members_page(request, form, sent, show_rates)


def _members_page(request, form, sent, show_rates):
    members = selectors.membership_list(tenant=request.tenant)
    pending = selectors.invitation_list(tenant=request.tenant, open_only=True)
    response = render(
        request,
        "web/settings/members.html",
        {
            "form": form,
            "members": members,
            "invitations": pending,
            "sent": sent,
            "show_rates": show_rates,
        },
    )
    if sent:
        # The invitation link is in this one answer only.
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@page("manage_members")
def invitation_resend(request, invitation_id: int):
    result = action(
        request,
        lambda: invitations.invitation_resend(
            ui_context(request),
            invitation_id=invitation_id,
            base_url=site_url(request),
        ),
    )
    if result is None:
        return redirect("web:member_list")
    teams = selectors.team_list(tenant=request.tenant)
    show_rates = can(request, "view_rates")
    form = MemberForm(teams=teams, show_rates=show_rates)
    return _members_page(request, form, {"invitation": result[0], "link": result[1]}, show_rates)


@require_POST
@page("manage_members")
def invitation_revoke(request, invitation_id: int):
    invitation = action(
        request,
        lambda: invitations.invitation_revoke(ui_context(request), invitation_id=invitation_id),
    )
    if invitation is not None:
        messages.success(
            request,
            _("The invitation to %(email)s was withdrawn; its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("web:member_list")


@page("manage_members")
def member_edit(request, membership_id: int):
    member = selectors.membership_list(tenant=request.tenant).filter(pk=membership_id).first()
    if member is None:
        raise Http404
    teams = selectors.team_list(tenant=request.tenant)
    show_rates = can(request, "view_rates")
    initial = {
        "role": member.role,
        "team_id": member.team_id,
        "default_billing_rate": member.default_billing_rate,
        "is_active": member.is_active,
    }
    terms_post = request.method == "POST" and "valid_from" in request.POST
    form = MemberUpdateForm(
        None if terms_post else (request.POST or None),
        teams=teams,
        show_rates=show_rates,
        initial=initial,
    )
    terms_form = MemberTermsForm(request.POST if terms_post else None)
    if terms_post:
        terms_input = terms_form.to_input()
        if terms_input is not None:
            saved_terms = submit(
                terms_form,
                lambda: terms.membership_terms_set(
                    ui_context(request), membership_id=member.pk, data=terms_input
                ),
            )
            if saved_terms is not None:
                messages.success(request, _("Cost rate and weekly target saved."))
                return redirect("web:member_edit", membership_id=member.pk)
    data = form.to_input() if request.method == "POST" and not terms_post else None
    if data is not None:
        saved = submit(
            form,
            lambda: services.membership_update(
                ui_context(request), membership_id=member.pk, data=data
            ),
        )
        if saved is not None:
            messages.success(request, _("%(name)s saved.") % {"name": saved.display_name})
            return redirect("web:member_list")
    return render(
        request,
        "web/settings/member_form.html",
        {
            "form": form,
            "member": member,
            "terms_form": terms_form,
            "terms": terms.membership_terms_list(ui_context(request), membership_id=member.pk),
        },
        status=400 if terms_post else 200,
    )


@page("manage_members")
def member_terms_remove(request, membership_id: int, terms_id: int):
    """Remove one dated cost rate / weekly target of a member (POST)."""
    if request.method != "POST":
        return redirect("web:member_edit", membership_id=membership_id)
    terms.membership_terms_delete(
        ui_context(request), membership_id=membership_id, terms_id=terms_id
    )
    messages.success(request, _("Cost rate and weekly target removed."))
    return redirect("web:member_edit", membership_id=membership_id)


@page("manage_members")
def team_list(request):
    form = TeamForm(request.POST or None)
    data = form.to_input() if request.method == "POST" else None
    if data is not None:
        team = submit(form, lambda: services.team_create(ui_context(request), data=data))
        if team is not None:
            messages.success(request, _("Team %(name)s created.") % {"name": team.name})
            return redirect("web:team_list")
    teams = selectors.team_list(tenant=request.tenant)
    members = selectors.membership_list(tenant=request.tenant).filter(is_active=True)
    by_team: dict[int, list] = {}
    for member in members:
        if member.team_id is not None:
            by_team.setdefault(member.team_id, []).append(member)
    rows = [{"team": team, "members": by_team.get(team.pk, [])} for team in teams]
    return render(request, "web/settings/teams.html", {"form": form, "rows": rows})
