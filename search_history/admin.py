from django.contrib import admin

from search_history.models import SearchEntry


@admin.register(SearchEntry)
class SearchEntryAdmin(admin.ModelAdmin):
    """Read-only: history is written by its owner's searches, never edited by hand."""

    list_display = (
        "query",
        "owner",
        "search_type",
        "search_count",
        "results_count",
        "last_searched_at",
    )
    list_filter = ("search_type",)
    list_select_related = ("user",)
    # "=guest__id" is an exact match: guest ids are long random strings nobody types partially,
    # and an exact match uses the per-guest index instead of scanning every entry.
    search_fields = ("normalized_query", "user__email", "=guest__id")
    # Newest rows by primary key: an index every table has. Ordering by last_searched_at would
    # sort the whole table on each page, since its indexes are per owner.
    ordering = ("-id",)
    # The exact total of a million-row table costs a full count on every page; the filtered
    # count is enough to page through search results.
    show_full_result_count = False
    fields = (
        "user",
        "guest",
        "query",
        "normalized_query",
        "search_type",
        "results_count",
        "search_count",
        "first_searched_at",
        "last_searched_at",
    )
    readonly_fields = fields

    @admin.display(description="owner")
    def owner(self, entry):
        return entry.owner_label

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
