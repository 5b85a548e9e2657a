"""API authentication by personal access token. Kept apart from the rest of the API
support code: DRF imports authentication classes while it is itself being imported."""

from rest_framework import authentication, exceptions

from cop.services.tokens import authenticate_token


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cps_...` (or `Token cps_...`) with a personal access token."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="ignore").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one token after the keyword.")

        token = authenticate_token(header[1].decode(errors="ignore"))
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not valid or was revoked.")
        return (token.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
