"""Admin for recruiters (and the CPO; product managers within their scope).

Every save and delete goes through the services (policy, validation, history
with the acting user, the health signal); so do the move and anonymise actions
and the interviews inline. Personal data is narrowed by `hiring.policies`, for
the lists, the change pages and the history pages alike.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from accounts.admin_mixins import ServiceAdmin
from portfolio.admin import ProductAdmin
from portfolio.models import Product

from . import services
from .models import Application, Candidate, Interview, Position, Stage, StageMove, Team
from .policies import (
    application_policy,
    candidate_policy,
    interview_policy,
    is_hiring_writer,
    position_policy,
    team_policy,
)
from .selectors import interviewer_list


def _errors_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc)
    return " ".join(exc.messages)


class _DryRun(Exception):
    """Ends the trial run of a service in ServiceCheckedForm."""


class ServiceCheckedForm(forms.ModelForm):
    """Runs the entity's service in a rolled-back savepoint while validating.

    The services hold rules the model cannot (an open position's date, a
    position that takes no applications, an anonymised record): a break shows on
    the form as an error instead of failing the save afterwards.
    """

    admin: "HiringServiceAdmin"
    actor: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        names = [n for n in self.admin.service_fields if n in cleaned]
        try:
            with transaction.atomic():
                if self.instance.pk is None:
                    self.admin.entity.create_from(
                        actor=self.actor, data={n: cleaned[n] for n in names}
                    )
                else:
                    current = type(self.instance)._default_manager.get(
                        pk=self.instance.pk
                    )
                    self.admin.entity.update_with(
                        current,
                        actor=self.actor,
                        data={n: cleaned[n] for n in names if n in self.changed_data},
                    )
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def _post_clean(self) -> None:
        # The trial run above validated the model as the service will save it
        # (with the values the service derives, e.g. opened_on = today); the
        # form's own model validation would judge the raw input instead.
        opts = self._meta
        self.instance = construct_instance(
            self, self.instance, opts.fields, opts.exclude
        )


class HiringServiceAdmin(ServiceAdmin):
    """ServiceAdmin whose forms check the services' rules before saving."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs.setdefault("form", ServiceCheckedForm)
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user, "admin": self})


class PersonalDataAdmin(HiringServiceAdmin):
    """Lists and pages show only what the policy lets the user see."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.policy.visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The history pages check the object itself (they do not go through
        # get_queryset): refuse what the user may not see.
        allowed = super().has_view_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return self.policy.can_see(request.user, obj)  # type: ignore[attr-defined]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return self.policy.can_see(request.user, obj)  # type: ignore[attr-defined]


@admin.register(Team)
class TeamAdmin(HiringServiceAdmin):
    entity = services.TEAM
    policy = team_policy
    service_fields = services.TEAM_FIELDS
    list_display = [
        "name",
        "product",
        "lead",
        "planned_headcount",
        "current_headcount",
        "understaffed",
        "open_positions",
    ]
    list_filter = ["product"]
    search_fields = ["name", "product__name"]
    list_select_related = ["product", "lead"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _open=Count("positions", filter=Q(positions__status="open")),
            )
        )

    @admin.display(description="Understaffed by")
    def understaffed(self, obj: Team) -> int:
        return obj.understaffed_by

    @admin.display(description="Open positions", ordering="_open")
    def open_positions(self, obj: Any) -> int:
        return int(obj._open)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "product" and not is_hiring_writer(request.user):
            # A product manager files teams under the products they manage.
            kwargs["queryset"] = Product.objects.filter(managers=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Position)
class PositionAdmin(HiringServiceAdmin):
    entity = services.POSITION
    policy = position_policy
    service_fields = services.POSITION_FIELDS
    list_display = [
        "title",
        "level",
        "team",
        "status",
        "opened_on",
        "target_fill_date",
        "filled_on",
        "hiring_manager",
        "application_count",
    ]
    list_filter = ["status", "team__product", "team", "hiring_manager"]
    search_fields = ["title", "level", "team__name"]
    list_select_related = ["team", "hiring_manager"]
    date_hierarchy = "opened_on"
    readonly_fields = ["filled_on", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Position]:
        return super().get_queryset(request).annotate(_apps=Count("applications"))

    @admin.display(description="Applications", ordering="_apps")
    def application_count(self, obj: Any) -> int:
        # A count only: the names are on the application pages, for those who may.
        return int(obj._apps)


@admin.register(Candidate)
class CandidateAdmin(PersonalDataAdmin):
    entity = services.CANDIDATE
    policy = candidate_policy
    service_fields = services.CANDIDATE_FIELDS
    list_display = ["full_name", "email", "source", "anonymised_at", "created_at"]
    list_filter = ["source"]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = ["anonymised_at", "created_at", "updated_at"]
    actions = ["anonymise_candidates"]

    def has_anonymise_permission(self, request: HttpRequest) -> bool:
        return candidate_policy.can_anonymise(request.user)

    @admin.action(
        description="Anonymise the selected candidates (irreversible)",
        permissions=["anonymise"],
    )
    def anonymise_candidates(
        self, request: HttpRequest, queryset: QuerySet[Candidate]
    ) -> None:
        count = 0
        for candidate in queryset:
            services.candidate_anonymise(candidate=candidate, actor=request.user)
            count += 1
        self.message_user(
            request, f"Anonymised {count} candidate(s).", messages.SUCCESS
        )


class InterviewInline(admin.TabularInline):
    """Interviews of the application; saved through the interview services."""

    model = Interview
    fields = [
        "interviewer",
        "kind",
        "scheduled_at",
        "completed_at",
        "rating",
        "recommendation",
        "notes",
    ]
    extra = 0
    show_change_link = True

    def _writer(self, request: HttpRequest) -> bool:
        return interview_policy.can_write_all_fields(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return interview_policy.can_admin(request.user) and interview_policy.can_read(
            request.user
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._writer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._writer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._writer(request)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "interviewer":
            kwargs["queryset"] = interviewer_list()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StageMoveInline(admin.TabularInline):
    """The application's recorded moves (read-only)."""

    model = StageMove
    fields = ("from_stage", "to_stage", "at", "by", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return application_policy.can_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MoveActionForm(ActionForm):
    """The action bar of the applications list: which stage, and why."""

    stage = forms.ChoiceField(
        choices=[("", "---------"), *Stage.choices], required=False
    )
    reason = forms.CharField(required=False, max_length=4000)


@admin.register(Application)
class ApplicationAdmin(PersonalDataAdmin):
    entity = services.APPLICATION
    policy = application_policy
    service_fields = services.APPLICATION_FIELDS
    list_display = [
        "__str__",
        "candidate_name",
        "position",
        "stage",
        "stage_changed_at",
    ]
    list_filter = ["stage", "position__status", "position__team", "position"]
    search_fields = ["candidate__full_name", "candidate__email", "position__title"]
    list_select_related = ["candidate", "position"]
    raw_id_fields = ["candidate"]
    readonly_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
    inlines = [InterviewInline, StageMoveInline]
    action_form = MoveActionForm
    actions = ["move_applications"]

    @admin.display(description="Candidate", ordering="candidate__full_name")
    def candidate_name(self, obj: Application) -> str:
        return obj.candidate.full_name

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Fixed once the application exists.
            fields += ["candidate", "position"]
        return fields

    def has_move_permission(self, request: HttpRequest) -> bool:
        # Per application the service decides (a PM: their positions only).
        return application_policy.can_admin(request.user) and (
            application_policy.can_read(request.user)
        )

    @admin.action(
        description="Move the selected applications to the stage chosen above",
        permissions=["move"],
    )
    def move_applications(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> None:
        stage = request.POST.get("stage", "")
        reason = request.POST.get("reason", "")
        if stage not in Stage.values:
            self.message_user(request, "Choose the stage to move to.", messages.ERROR)
            return
        moved = 0
        for application in queryset:
            try:
                services.application_move(
                    application=application,
                    actor=request.user,
                    stage=stage,
                    reason=reason,
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{application}: {_errors_text(exc)}", messages.ERROR
                )
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                f"Moved {moved} application(s) to '{stage}'.",
                messages.SUCCESS,
            )

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        if formset.model is not Interview:
            return super().save_formset(request, form, formset, change)
        # What the admin's change message reads (names only, no personal data).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.interview_delete(
                    interview=inline_form.instance, actor=request.user
                )
                formset.deleted_objects.append(inline_form.instance)
        fields = [n for n in services.INTERVIEW_FIELDS if n != "application"]
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk is None:
                created = services.interview_create(
                    actor=request.user,
                    application=form.instance,
                    **{n: data[n] for n in fields if n in data},
                )
                formset.new_objects.append(created)
            else:
                current = Interview.objects.get(pk=inline_form.instance.pk)
                changed = [n for n in inline_form.changed_data if n in fields]
                services.interview_update(
                    interview=current,
                    actor=request.user,
                    data={n: data[n] for n in changed},
                )
                formset.changed_objects.append((current, changed))
        return None


@admin.register(Interview)
class InterviewAdmin(PersonalDataAdmin):
    entity = services.INTERVIEW
    policy = interview_policy
    service_fields = services.INTERVIEW_FIELDS
    list_display = [
        "__str__",
        "application",
        "interviewer",
        "kind",
        "scheduled_at",
        "completed_at",
        "rating",
        "recommendation",
    ]
    list_filter = ["kind", "recommendation", "interviewer"]
    search_fields = [
        "application__candidate__full_name",
        "application__position__title",
    ]
    list_select_related = ["application", "interviewer"]
    raw_id_fields = ["application"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not interview_policy.can_write_all_fields(request.user):
            # The interviewer writes the scorecard only.
            fields += [
                n
                for n in services.INTERVIEW_FIELDS
                if n not in Interview.SCORECARD_FIELDS
            ]
        elif obj is not None:
            fields.append("application")
        return fields

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "interviewer":
            kwargs["queryset"] = interviewer_list()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.display(description="Teams")
def product_teams(model_admin: Any, obj: Any) -> str:
    """The product's teams with their staffing (edited under Hiring > Teams)."""
    if obj is None or obj.pk is None:
        return "-"
    teams = Team.objects.filter(product=obj).order_by("name")
    if not teams:
        return "No team yet."
    return format_html_join(
        mark_safe("<br>"),
        '<a href="{}">{}</a>: {} of {} planned',
        (
            (
                reverse("admin:hiring_team_change", args=[t.pk]),
                t.name,
                t.current_headcount,
                t.planned_headcount,
            )
            for t in teams
        ),
    )


# Hiring shows the teams on the product page from here (dependencies point
# down). A read-only field, not an inline: an inline's formset would make every
# product form post need its management data.
ProductAdmin.product_teams = product_teams
ProductAdmin.readonly_fields = [*ProductAdmin.readonly_fields, "product_teams"]
ProductAdmin.fieldsets = [
    *(ProductAdmin.fieldsets or []),
    ("Teams (hiring)", {"fields": ["product_teams"]}),
]
