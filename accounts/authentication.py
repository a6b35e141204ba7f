"""API token authentication: `Authorization: Bearer <key>` (RFC 6750) or `Token <key>`.

Tokens are knox's: only a SHA-512 digest is stored, each expires, each can be
revoked. Generated clients send `Bearer` (the schema declares an HTTP bearer
scheme); `Token` stays accepted for the tools written against it before.
"""

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

KEYWORDS = (b"bearer", b"token")
INVALID = "Invalid token."


class BearerTokenAuthentication(TokenAuthentication):
    """knox tokens under either keyword, looked up (with their user) in one query."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # another scheme (or none): let the next class try
        if len(parts) == 1:
            raise exceptions.AuthenticationFailed(
                "Invalid token header. No credentials provided."
            )
        if len(parts) > 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header. Token string should not contain spaces."
            )
        return self.authenticate_credentials(parts[1])

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        # knox's own version also reads all the user's other tokens on every
        # request to delete expired ones (a second query); expired tokens are
        # purged daily instead (accounts.tasks, CELERY_BEAT_SCHEDULE).
        try:
            key = token.decode("ascii")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error, ValueError):
            raise exceptions.AuthenticationFailed(INVALID) from None
        candidates = (
            get_token_model()
            .objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
        )
        now = timezone.now()
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < now:
                auth_token.delete()
                break
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
