"""Forms of the UI. They parse input into the types services take; the rules live in services.

Field names are the services' argument names, so a ValidationFailed naming a field lands next to
that field (see `web.utils.apply_errors`).
"""

from faktura.web.forms.common import LoginForm
from faktura.web.forms.contacts import ContactFilterForm, ContactForm
from faktura.web.forms.settings import (
    MemberForm,
    MemberUpdateForm,
    TeamForm,
    TenantForm,
    TokenForm,
)

__all__ = [
    "ContactFilterForm",
    "ContactForm",
    "LoginForm",
    "MemberForm",
    "MemberUpdateForm",
    "TeamForm",
    "TenantForm",
    "TokenForm",
]
