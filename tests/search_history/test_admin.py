import pytest

from tests.search_history.conftest import SearchEntryFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/search_history/searchentry/"


@pytest.fixture
def staff_browser(client, staff):
    client.force_login(staff)
    return client


def test_staff_see_the_entries(staff_browser, student, guest):
    SearchEntryFactory(user=student, query="Piano lessons")
    SearchEntryFactory(guest=guest, query="Guitar")

    response = staff_browser.get(CHANGELIST)

    assert response.status_code == 200
    assert b"Piano lessons" in response.content
    assert b"Guitar" in response.content
    assert student.email.encode() in response.content


@pytest.mark.parametrize(
    ("term", "expected"), [("piano", "Piano lessons"), ("sam.student", "Piano lessons")]
)
def test_staff_search_by_query_or_owner_email(staff_browser, student, instructor, term, expected):
    SearchEntryFactory(user=student, query="Piano lessons")
    SearchEntryFactory(user=instructor, query="Violin")

    response = staff_browser.get(CHANGELIST, {"q": term})

    shown = [e.query for e in response.context["cl"].result_list]
    assert shown == [expected]


def test_staff_search_by_guest_id(staff_browser, guest, other_guest):
    SearchEntryFactory(guest=guest, query="mine")
    SearchEntryFactory(guest=other_guest, query="theirs")

    response = staff_browser.get(CHANGELIST, {"q": guest.pk})

    assert [e.query for e in response.context["cl"].result_list] == ["mine"]


def test_the_admin_is_read_only(staff_browser, guest):
    entry = SearchEntryFactory(guest=guest, query="Piano")

    add = staff_browser.get(f"{CHANGELIST}add/")
    change = staff_browser.post(f"{CHANGELIST}{entry.pk}/change/", {"query": "edited"})
    delete = staff_browser.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.query == "Piano"
    assert staff_browser.get(f"{CHANGELIST}{entry.pk}/change/").status_code == 200


def test_people_who_are_not_staff_are_sent_to_the_login_page(client, student):
    client.force_login(student)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
