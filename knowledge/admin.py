"""Site-admin views of the shared repertoire (read-mostly; members use the pages)."""

from django.contrib import admin

from .models import GlossaryTerm, PracticeEntry, Problem, Reply, Revision, Story


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields = ["number", "title", "author", "summary", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(PracticeEntry)
class PracticeEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "kind", "status", "author", "owner", "deleted_at"]
    list_filter = ["status", "kind", "community"]
    search_fields = ["title"]
    raw_id_fields = ["author", "owner", "source_problem", "deleted_by"]
    inlines = [RevisionInline]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "author", "created_at", "deleted_at"]
    list_filter = ["community"]
    search_fields = ["title"]
    raw_id_fields = ["author", "problem", "entry", "deleted_by"]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "author", "created_at", "deleted_at"]
    list_filter = ["status", "community"]
    search_fields = ["title"]
    raw_id_fields = ["author", "deleted_by"]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["pk", "problem", "author", "is_solution", "created_at", "deleted_at"]
    list_filter = ["is_solution"]
    raw_id_fields = ["problem", "author", "accepted_by", "deleted_by"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "community", "status", "proposed_by"]
    list_filter = ["status", "community"]
    search_fields = ["term", "synonyms"]
    raw_id_fields = ["proposed_by", "accepted_by"]
