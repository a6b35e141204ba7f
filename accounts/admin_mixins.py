"""Admin permissions from the app policies, not from Django's per-model perms."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from cpo.common.services import EntityServices, describe_referrers

from .permissions import ModelPolicy


class PolicyAdminMixin:
    """A ModelAdmin mixin: every permission question goes to `self.policy`."""

    policy: ModelPolicy

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.policy.can_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.policy.can_admin(request.user) and self.policy.can_read(
            request.user
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.policy.can_admin(request.user) and self.policy.can_create(
            request.user
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.policy.can_admin(request.user):
            return False
        if obj is None:
            return self.policy.can_write_some(request.user)
        return self.policy.can_change(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.policy.can_admin(request.user):
            return False
        if obj is None:
            return self.policy.can_create(request.user)
        return self.policy.can_delete(request.user, obj)


class PolicyModelAdmin(PolicyAdminMixin, admin.ModelAdmin):
    pass


class ServiceAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    """Saves and deletes through services; history without 'revert' (it would
    bypass them)."""

    entity: EntityServices
    service_fields: tuple[str, ...] = ()
    show_full_result_count = False

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return self.entity.create_from(actor=request.user, data=data)

    def update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Model:
        return self.entity.update_with(obj, actor=request.user, data=data)

    def delete(self, request: HttpRequest, obj: Any) -> None:
        self.entity.delete_one(obj, actor=request.user)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: Any = None,
    ) -> Any:
        # revert_disabled only hides the button; a POST would still revert.
        if request.method == "POST":
            raise PermissionDenied("Reverting from the history is disabled.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        names = [n for n in self.service_fields if n in form.cleaned_data]
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            changed = {n: form.cleaned_data[n] for n in names if n in form.changed_data}
            self.update(request, current, changed)
            return
        saved = self.create(request, {n: form.cleaned_data[n] for n in names})
        # The admin goes on with `obj` (redirect, log entry, inlines): make it
        # the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        # Many-to-many fields were written by the service; inlines save here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        protected = list(protected)
        for obj in objs:
            referrers = describe_referrers(obj)
            if referrers:
                protected.append(f"{obj} — still referred to by {referrers}")
        return deleted, model_count, perms_needed, protected
