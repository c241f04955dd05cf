"""Owners for search history: a guest with its cookie, a logged-in student, and entry factories."""

from datetime import timedelta

import factory
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import GuestSession
from search_history.models import SearchEntry, normalize_query
from tests.conftest import login

URL = "/api/search-history/"


class SearchEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SearchEntry

    query = factory.Sequence(lambda n: f"piano lessons {n}")
    normalized_query = factory.LazyAttribute(lambda e: normalize_query(e.query))
    first_searched_at = factory.LazyFunction(timezone.now)
    last_searched_at = factory.LazyAttribute(lambda e: e.first_searched_at)


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def guest_client_for(guest):
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["guest_id"] = guest.pk
    return client


@pytest.fixture
def guest(db):
    return GuestSession.objects.create()


@pytest.fixture
def other_guest(db):
    return GuestSession.objects.create()


@pytest.fixture
def guest_client(guest):
    """A visitor's browser: the guest_id cookie and nothing else."""
    return guest_client_for(guest)


@pytest.fixture
def student_client(student):
    """The student's browser after logging in: session cookie plus the CSRF header on every call."""
    client = APIClient(enforce_csrf_checks=True)
    token = login(client, student)
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def record(client, query, **fields):
    return client.post(URL, {"query": query, **fields}, format="json")
