"""Error codes of tenancy: members, owners and invitations."""

from __future__ import annotations

from faktura.common.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed


class OwnerProtected(BusinessRuleViolation):
    """Only an owner can deactivate, demote or appoint an owner."""

    code = "owner_protected"


class LastOwner(BusinessRuleViolation):
    """The company keeps at least one active owner."""

    code = "last_owner"


class AlreadyMember(ValidationFailed):
    """This person is a member of the company already."""

    code = "duplicate"


class InvitationInvalid(NotFound):
    """This invitation link is not valid. Check that it was copied completely."""

    code = "invitation_invalid"


class InvitationExpired(BusinessRuleViolation):
    """This invitation has expired. Ask the company for a new one."""

    code = "invitation_expired"


class InvitationUsed(BusinessRuleViolation):
    """This invitation has been accepted already; sign in to continue."""

    code = "invitation_used"


class InvitationRevoked(BusinessRuleViolation):
    """This invitation was withdrawn or replaced by a newer one. Ask the company for a new one."""

    code = "invitation_revoked"


class InvitationNotPending(Conflict):
    """The invitation was accepted or revoked already."""

    code = "invitation_not_pending"


class InvitationForAnotherAccount(BusinessRuleViolation):
    """This invitation is for another e-mail address. Sign out and open the link again."""

    code = "invitation_other_account"


class AccountExists(BusinessRuleViolation):
    """An account with this e-mail address exists: sign in to accept the invitation."""

    code = "account_exists"


class Required(ValidationFailed):
    """This field is required."""

    code = "required"


class Duplicate(ValidationFailed):
    """A team with this name exists."""

    code = "duplicate"


class ReferenceNotFound(ValidationFailed):
    """A team or member id in the input names nothing of this company (400 naming it)."""

    code = "not_found"


class LogoTooLarge(ValidationFailed):
    """The logo is too large (bytes or pixels)."""

    code = "too_large"


class LogoUnrenderable(ValidationFailed):
    """The invoice renderer cannot draw this image."""

    code = "unrenderable"


class NotSignedIn(ValidationFailed):
    """Sign in to accept the invitation."""

    code = "not_authenticated"


class WeakPassword(ValidationFailed):
    """The password is too weak."""

    code = "weak_password"
