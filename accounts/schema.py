"""OpenAPI: the token scheme as generated clients can send it (HTTP bearer)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"
    # Above drf-spectacular's own knox extension, which matches the base class.
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token from POST /api/v1/auth/token/ (or "
                "`manage.py issue_token`), sent as `Authorization: Bearer <key>`. "
                "`Authorization: Token <key>` is accepted too. Tokens expire "
                "(30 days by default) and can be revoked with DELETE "
                "/api/v1/auth/token/."
            ),
        }


def lib_doc_excludes() -> list[type]:
    """Classes whose docstrings never become operation or component descriptions.

    drf-spectacular falls back to base-class docstrings; ours describe the code
    ("the policy decides…"), not the endpoint, to a client's reader.
    """
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from cpo.common.serializers import ModelSerializer

    from .viewsets import PolicyViewSetMixin, ServiceModelViewSet

    return [
        *get_lib_doc_excludes(),
        PolicyViewSetMixin,
        ServiceModelViewSet,
        ModelSerializer,
    ]
