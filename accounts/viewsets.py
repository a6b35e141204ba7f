"""The one way an API viewset writes: through its entity's services, asked by policy.

The admin (`accounts.admin_mixins.ServiceAdmin`) and the CSV import
(`cpo.common.resources.ServiceResource`) write through an entity's
`EntityServices`; API viewsets do the same by deriving from `ServiceModelViewSet`
and naming `policy` and `entity`. The services check the policy again and record
the acting user, so the three ways in cannot drift apart.
"""

from typing import Any

from rest_framework import viewsets

from cpo.common.services import EntityServices

from .permissions import ModelPolicy, PolicyPermission

# The methods a CRUD endpoint answers (no TRACE; HEAD/OPTIONS for tools).
HTTP_METHODS = ["get", "post", "put", "patch", "delete", "head", "options"]


class PolicyViewSetMixin:
    """Asks `policy` (read/create/change/delete); ids in URLs are integers."""

    permission_classes: Any = [PolicyPermission]
    policy: ModelPolicy
    # `<int:pk>` in the URL (routers built with use_regex_path=False): a
    # non-numeric id is a 404, and the schema declares the id an integer.
    lookup_value_converter = "int"


class ServiceModelViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    """CRUD whose create, update and delete call `entity`'s services as the user."""

    entity: EntityServices
    http_method_names = HTTP_METHODS

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self.entity.create_from(
            actor=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = self.entity.update_with(
            serializer.instance, actor=self.request.user, data=serializer.validated_data
        )

    def perform_destroy(self, instance: Any) -> None:
        self.entity.delete_one(instance, actor=self.request.user)
