"""/api/search-history/: the owner's recent searches. Thin: parse, call a service, render.

The owner is the logged-in user, else the guest of the guest_id cookie. These views are public
(API.md): guests use them before any login, so they opt out of the beta phase gate.
"""

import re

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from search_history import selectors, services
from search_history.models import QUERY_MAX_LENGTH, SearchType

LIMIT_DEFAULT = 3
LIMIT_MAX = 50
# Ids are bigints; anything else (or a number past the column's range) cannot name an entry.
ENTRY_ID = re.compile(r"[0-9]{1,18}")


def guest_id_from(request) -> str | None:
    return request.COOKIES.get(settings.GUEST_COOKIE_NAME) or None


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers instead of quietly turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses strings, floats and booleans in a JSON body."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class SearchEntryOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    query = serializers.CharField()
    search_type = serializers.ChoiceField(choices=SearchType.choices)
    results_count = serializers.IntegerField(allow_null=True)
    search_count = serializers.IntegerField()
    first_searched_at = serializers.DateTimeField()
    last_searched_at = serializers.DateTimeField()


class SearchHistoryApi(APIView):
    """GET lists, POST records, DELETE clears: three operations sharing one path."""

    permission_classes = [AllowAny]

    class ListInputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(
            min_value=1, max_value=LIMIT_MAX, default=LIMIT_DEFAULT, required=False
        )

    class RecordInputSerializer(serializers.Serializer):
        # Trimmed before the length check: surrounding spaces do not count toward the 200.
        query = StrictCharField(max_length=QUERY_MAX_LENGTH, trim_whitespace=True)
        search_type = serializers.ChoiceField(
            choices=SearchType.choices, default=SearchType.NATURAL_LANGUAGE
        )
        results_count = StrictIntegerField(
            min_value=0, max_value=2**31 - 1, required=False, allow_null=True
        )

    @extend_schema(
        operation_id="search_history_list",
        parameters=[
            OpenApiParameter("limit", int, description=f"1..{LIMIT_MAX}, default {LIMIT_DEFAULT}")
        ],
        responses=SearchEntryOutputSerializer(many=True),
    )
    def get(self, request):
        params = self.ListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        entries = selectors.search_entry_list(
            user=request.user, guest_id=guest_id_from(request), limit=params.validated_data["limit"]
        )
        return Response(SearchEntryOutputSerializer(entries, many=True).data)

    @extend_schema(
        operation_id="search_history_record",
        request=RecordInputSerializer,
        responses={201: SearchEntryOutputSerializer, 200: SearchEntryOutputSerializer},
    )
    def post(self, request):
        serializer = self.RecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry, created = services.search_entry_record(
            user=request.user, guest_id=guest_id_from(request), **serializer.validated_data
        )
        return Response(
            SearchEntryOutputSerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(operation_id="search_history_clear", responses={204: None})
    def delete(self, request):
        services.search_entries_clear(user=request.user, guest_id=guest_id_from(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SearchEntryApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="search_history_delete", responses={204: None})
    def delete(self, request, entry_id):
        if not ENTRY_ID.fullmatch(entry_id):
            raise services.not_found_error()
        services.search_entry_delete(
            entry_id=int(entry_id), user=request.user, guest_id=guest_id_from(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
