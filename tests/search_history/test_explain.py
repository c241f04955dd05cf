"""The list query is one scan of a per-owner index, read in order: no sort, no sequential scan.

Checked on a table big enough for the planner to care (thousands of rows across hundreds of
owners, statistics gathered with ANALYZE), with the exact SQL the endpoint sends. The timing on
a million rows is in bench/RESULTS.md (bench/search_history_explain.py).
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GuestSession
from search_history.models import SearchEntry
from tests.factories import UserFactory
from tests.search_history.conftest import URL, guest_client_for

pytestmark = pytest.mark.django_db

OWNERS = 150
ENTRIES_PER_OWNER = 20


@pytest.fixture
def crowded_table():
    """150 guests and 150 users with 20 entries each (6,000 rows) among 3,000 guests."""
    guests = GuestSession.objects.bulk_create(GuestSession() for _ in range(20 * OWNERS))
    guests = guests[:OWNERS]
    users = [UserFactory() for _ in range(OWNERS)]
    now = timezone.now()
    rows = [
        SearchEntry(
            **owner,
            query=f"query {i}",
            normalized_query=f"query {i}",
            first_searched_at=now - timedelta(minutes=n * ENTRIES_PER_OWNER + i),
            last_searched_at=now - timedelta(minutes=n * ENTRIES_PER_OWNER + i),
        )
        for n, owner in enumerate([{"guest": g} for g in guests] + [{"user": u} for u in users])
        for i in range(ENTRIES_PER_OWNER)
    ]
    SearchEntry.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_history_searchentry")
        cursor.execute("ANALYZE accounts_guestsession")
    return guests, users


def endpoint_sql(client):
    client.get(URL)  # warms the shared caches so only the list query remains
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(URL, {"limit": 3}).json()) == 3
    (sql,) = [q["sql"] for q in queries if "search_history_searchentry" in q["sql"]]
    return sql


def plan_nodes(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        document = cursor.fetchone()[0]
    # psycopg decodes the json column; a text answer (other drivers) is parsed here.
    (plan,) = json.loads(document) if isinstance(document, str) else document
    nodes, stack = [], [plan["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


def entry_table_scans(nodes):
    return [n for n in nodes if n.get("Relation Name") == "search_history_searchentry"]


def test_a_guests_list_is_one_scan_of_the_guest_index(crowded_table):
    guests, _ = crowded_table

    nodes = plan_nodes(endpoint_sql(guest_client_for(guests[40])))

    (scan,) = entry_table_scans(nodes)
    assert scan["Node Type"] == "Index Scan"
    assert scan["Index Name"] == "search_entry_guest_recent"
    assert scan["Scan Direction"] == "Forward"
    # The cookie's guest is looked up by id, through an index, in the same plan.
    (guest_scan,) = [n for n in nodes if n.get("Relation Name") == "accounts_guestsession"]
    assert guest_scan["Node Type"] == "Index Scan"
    assert guest_scan["Index Cond"].startswith("((id)::text =")
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort", "Seq Scan")]


def test_a_users_list_is_one_scan_of_the_user_index(crowded_table, client):
    _, users = crowded_table
    client.force_login(users[40])

    nodes = plan_nodes(endpoint_sql(client))

    (scan,) = entry_table_scans(nodes)
    assert scan["Node Type"] == "Index Scan"
    assert scan["Index Name"] == "search_entry_user_recent"
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort", "Seq Scan")]
