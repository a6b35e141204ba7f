"""API: tokens (log in, revoke) and users (me; the CPO lists everyone)."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import PolicyPermission

from .authentication import BearerTokenAuthentication
from .models import User
from .policies import user_policy
from .roles import roles_of
from .selectors import user_list
from .services import token_issue, token_revoke

LOCKOUT_MESSAGE = (
    "Too many failed login attempts for this username; try again in 15 minutes."
)


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = LOCKOUT_MESSAGE
    default_code = "locked_out"


class InvalidCredentials(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid username or password."
    default_code = "invalid_credentials"


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenView(APIView):
    """POST: exchange a username and password for a token. DELETE: revoke it."""

    def _method(self) -> str | None:
        # The schema generator builds views with request=None.
        return getattr(getattr(self, "request", None), "method", None)

    def get_authenticators(self) -> list[Any]:
        # Logging in needs no credentials; revoking needs the token itself.
        if self._method() == "DELETE":
            return [BearerTokenAuthentication()]
        return []

    def get_permissions(self) -> list[Any]:
        if self._method() == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        request=CredentialsSerializer,
        responses={201: TokenResponseSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Exchange a username and password for an API token.

        Send the token as `Authorization: Bearer <token>`. It expires at
        `expires_at`; five failed attempts for a username within 15 minutes lock
        it out for 15 minutes (429)."""
        body = CredentialsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        credentials = {"username": body.validated_data["username"]}
        django_request = request._request
        if AxesProxyHandler.is_locked(django_request, credentials):
            raise LockedOut()
        user = authenticate(
            django_request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            raise LockedOut()
        if user is None:
            raise InvalidCredentials()
        # A token login is a login: last_login is updated and the lockout
        # counter for this username is reset, as for the login form.
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        token, key = token_issue(user=user)
        return Response(
            TokenResponseSerializer({"token": key, "expires_at": token.expiry}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Revoked")}
    )
    def delete(self, request: Request) -> Response:
        """Revoke the token this request is made with; it stops working at once."""
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "roles",
        ]

    def get_roles(self, user: User) -> list[str]:
        groups = getattr(user, "role_groups", None)
        if groups is not None:
            return [g.name for g in groups]
        return sorted(roles_of(user))


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Users and their roles. The CPO lists and reads every user; every user reads
    themselves at `users/me/`."""

    serializer_class = UserSerializer
    permission_classes = [PolicyPermission]
    policy = user_policy
    lookup_value_converter = "int"
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "created_at"]

    def get_queryset(self) -> Any:
        return user_list()

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    @action(detail=False, methods=["get"], permission_classes=[IsAuthenticated])
    def me(self, request: Request) -> Response:
        """The user the request is authenticated as, with their roles."""
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "roles": sorted(roles_of(user)),
            }
        )
