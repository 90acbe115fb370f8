from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: the secretariat creates accounts (admin or invitation)."""

    def is_open_for_signup(self, request) -> bool:
        return False
