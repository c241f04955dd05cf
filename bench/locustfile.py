"""A front end's page load, played by many simulated visitors at once (issue 8).

Each simulated visitor is its own identity, as in real life and as the rate limits count them:
a logged-in user with a session of their own (handed over by bench/load.py in the file named by
BENCH_IDENTITIES), or a guest who gets a guest_id cookie on their first page. Every page load
runs what the front end calls, in order:

    GET  /auth/me                       200 for a user, 401 for a guest (both expected)
    POST /api/public/session/guest      201 the first time, 200 after
    GET  /api/search-history/?limit=3   the recent searches
    POST /api/search-history/           the search typed on that page (CSRF token for users)

and reports the whole sequence as one "page load" event, so locust's statistics give page loads
per second and their percentiles beside each request's. Between page loads a visitor thinks for
BENCH_THINK seconds (uniform, default "1,4"): a page a second at most, so one visitor stays
inside its 60 searches a minute and the deployed rate limits never trip. Each visitor's first page
comes one think time after it is spawned, so the ramp is not one burst.

Run by bench/load.py; by hand (after load.py --keep-server wrote the identities):

    BENCH_IDENTITIES=/tmp/identities.json .venv/bin/locust -f bench/locustfile.py --headless \\
        -u 150 -r 50 -t 60s --reset-stats --host http://127.0.0.1:PORT
"""

import itertools
import json
import os
import random
import time
from http.cookiejar import Cookie
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, between, events, task

IDENTITIES = {"users": [], "session_cookie": "sid_prod", "origin": "https://beta.instainstru.com"}
if os.environ.get("BENCH_IDENTITIES"):
    with open(os.environ["BENCH_IDENTITIES"]) as file:
        IDENTITIES = json.load(file)
USER_SHARE = float(os.environ.get("BENCH_USER_SHARE", "0.5"))
GUEST_COOKIE = "guest_id"
THINK_MIN, THINK_MAX = (float(s) for s in os.environ.get("BENCH_THINK", "1,4").split(","))

QUERIES = [
    "piano lessons for beginners",
    "guitar teacher near me",
    "spanish tutor",
    "math tutoring grade 8",
    "swimming lessons kids",
    "violin",
    "SAT prep weekend",
    "yoga instructor at home",
    "chess coach online",
    "drum lessons",
]
SEARCH_TYPES = ["natural_language", "category", "service_pill", "filter"]

# BENCH_PAGE_LOG: a file to write every page load to ("start_unix_seconds duration_ms ok"), for
# telling a steady tail from a few stalls.
PAGE_LOG = os.environ.get("BENCH_PAGE_LOG")
_pages = []

_visitors = itertools.count()
_users = iter(IDENTITIES["users"])


def jar_cookie(name, value, host):
    """A cookie as if the server had set it: host-only, for every path."""
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


class FrontEnd(FastHttpUser):
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        self.csrf_token = None
        self.headers = {"Origin": IDENTITIES["origin"], "X-Forwarded-Proto": "https"}
        # Every other visitor (by default) is logged in; the rest browse as guests.
        n = next(_visitors)
        if int((n + 1) * USER_SHARE) > int(n * USER_SHARE):
            identity = next(_users, None)
            if identity is None:
                raise RuntimeError("More logged-in visitors than sessions in BENCH_IDENTITIES")
            host = urlsplit(self.host).hostname
            jar = self.client.cookiejar
            jar.set_cookie(jar_cookie(IDENTITIES["session_cookie"], identity["session"], host))
            jar.set_cookie(jar_cookie("csrftoken", identity["csrf"], host))
            self.csrf_token = identity["csrf"]
        # As if the visitor's previous page was a think time ago: 150 visitors spawned within
        # three seconds would otherwise all load their first page in the same burst.
        gevent.sleep(random.uniform(THINK_MIN, THINK_MAX))

    def call(self, method, path, expected, **kwargs):
        """One request of the page; the response when its status is the expected one, else None."""
        headers = dict(self.headers)
        if method != "GET" and self.csrf_token:
            # A logged-in front end sends the token on every unsafe request (API.md).
            headers["X-CSRFToken"] = self.csrf_token
        with self.client.request(
            method, path, name=f"{method} {path}", headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expected:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            response.success()
            return response

    @task
    def page_load(self):
        started = time.perf_counter()
        ok = self.call("GET", "/auth/me", {200} if self.csrf_token else {401}) is not None
        guest = self.call("POST", "/api/public/session/guest", {200, 201})
        if guest is not None:
            # The cookie comes back Secure, which the client keeps off plain-HTTP loopback: keep
            # it by hand, as a browser on the HTTPS site would.
            guest_id = guest.json()["guest_id"]
            host = urlsplit(self.host).hostname
            self.client.cookiejar.set_cookie(jar_cookie(GUEST_COOKIE, guest_id, host))
        ok &= guest is not None
        ok &= self.call("GET", "/api/search-history/?limit=3", {200}) is not None
        search = {"query": random.choice(QUERIES), "search_type": random.choice(SEARCH_TYPES)}
        ok &= self.call("POST", "/api/search-history/", {200, 201}, json=search) is not None
        elapsed_ms = (time.perf_counter() - started) * 1000
        if PAGE_LOG:
            _pages.append(f"{time.time() - elapsed_ms / 1000:.3f} {elapsed_ms:.1f} {int(ok)}")
        events.request.fire(
            request_type="PAGE",
            name="page load",
            response_time=elapsed_ms,
            response_length=0,
            exception=None if ok else RuntimeError("a request of the page failed"),
            context={},
        )


@events.test_stop.add_listener
def write_page_log(**_kwargs):
    if PAGE_LOG:
        with open(PAGE_LOG, "w") as file:
            file.write("\n".join(_pages) + "\n")
