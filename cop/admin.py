from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Community, DigestDelivery, EmailDelivery, Membership, User
from .services.directory import refresh_sort_names
from .services.notifications import retry_email_deliveries

# The admin has no login of its own: /admin/login/ sends to the site's login, so
# two-factor authentication and allauth's rate limits apply to staff as to everyone.
admin.site.login = secure_admin_login(admin.site.login)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "timezone", "is_staff", "network_viewer", "is_active"]
    list_filter = [*BaseUserAdmin.list_filter, "network_viewer"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "timezone", "bio")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "network_viewer",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and {"display_name", "email"} & set(form.changed_data):
            refresh_sort_names(user=obj)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "join_policy", "stage", "created_at"]
    list_filter = ["visibility", "join_policy", "stage"]
    search_fields = ["name", "slug", "domain"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "status", "level", "score"]
    list_filter = ["role", "status", "level"]
    search_fields = ["user__email", "user__display_name", "community__slug"]
    raw_id_fields = ["user", "community"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """The email outbox: failed and stuck deliveries are found here, and failed ones can
    be sent again (same Message-ID, fresh attempts)."""

    list_display = ["notification", "status", "attempts", "created_at", "sent_at", "error"]
    list_filter = ["status"]
    raw_id_fields = ["notification", "digest"]
    readonly_fields = ["message_id", "lease_until", "next_attempt_at"]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed emails"))
    def retry(self, request, queryset):
        count = retry_email_deliveries(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed email queued again.",
                "%(count)d failed emails queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "period_start", "status"]
    list_filter = ["status"]
    raw_id_fields = ["user"]
