"""The HTTP side of `manage.py smoke_check`: a browser-like client and the checks.

Standard library only, and nothing from Django: the command runs from an operator's machine
against a deployment it knows only by URL, under any settings module, with no database, cache or
server variables. Everything it learns comes from the server's answers (X-Site-Mode, X-Beta-Phase,
GET /api/beta/settings, GET /auth/me), and what it expects follows API.md for what it learned.

Budget per run, so operators can run it several times a minute from one address (API.md "Rate
limits"): one login per account (3 of the 10/min per IP, 1 of the 5/min per e-mail), at most one
register attempt (10/hour per IP), one preview unlock, and at most a dozen requests per identity
in the general bucket (120/min). The 300-call burst goes only to the endpoints never limited.
Running it more than ten times an hour turns the register check into a skip, not a failure.

It changes no setting and creates no account. What it creates is named as smoke data where the
data has a name: one search entry "smoke-check <run id>" (deleted again); besides, one guest
session (purged with the other expired guests) and sessions it logs out at the end.
"""

import email.utils
import http.client
import json
import secrets
import ssl
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from http.cookies import CookieError, SimpleCookie

PASS, FAIL, SKIP = "pass", "fail", "skip"
ROLES = ("staff", "student", "instructor")
PHASES = ("instructor_only", "alpha", "open_beta", "open")
# A registrable-looking origin that no deployment lists (.invalid is reserved, RFC 2606).
FOREIGN_ORIGIN = "https://smoke-check.invalid"
EXEMPT_CALLS = 100
USER_AGENT = "instainstru-smoke-check/1"

# API.md "Environments": what each site mode's cookies look like.
ENVIRONMENTS = {
    "local": {"session_cookie": "sid_local", "secure": False, "samesite": "Lax"},
    "preview": {"session_cookie": "sid_preview", "secure": True, "samesite": "None"},
    "prod": {"session_cookie": "sid_prod", "secure": True, "samesite": "None"},
}
SESSION_COOKIES = {env["session_cookie"] for env in ENVIRONMENTS.values()}


class Unreachable(Exception):
    """The server did not answer at all: no table can say anything useful."""


class UsageError(ValueError):
    """An option that cannot work, said in one sentence."""


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class Config:
    base_url: str
    origin: str | None = None
    assume_https: bool = False
    accounts: dict = field(default_factory=dict)  # role -> Account
    timeout: float = 10.0


@dataclass
class Check:
    name: str
    status: str
    detail: str

    def as_dict(self):
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class Report:
    base_url: str
    site_mode: str | None = None
    phase: str | None = None
    checks: list = field(default_factory=list)

    @property
    def ok(self):
        return not any(c.status == FAIL for c in self.checks)

    def counts(self):
        return {s: sum(c.status == s for c in self.checks) for s in (PASS, FAIL, SKIP)}

    def as_dict(self):
        return {
            "ok": self.ok,
            "base_url": self.base_url,
            "site_mode": self.site_mode,
            "phase": self.phase,
            "checks": [c.as_dict() for c in self.checks],
        }


# --- Options --------------------------------------------------------------------------------


def parse_base_url(value):
    parts = urllib.parse.urlsplit((value or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--base-url must be an http(s) URL such as https://api.example.com, got {value!r}"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"--base-url must not have a query or fragment, got {value!r}")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def parse_origin(value):
    parts = urllib.parse.urlsplit((value or "").strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise UsageError(
            "--origin must be a scheme and host such as https://beta.instainstru.com, "
            f"got {value!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def build_config(*, base_url, origin=None, assume_https=False, credentials=None, environ=None):
    """credentials: {role: (email or None, password or None)} from the options; the environment
    (SMOKE_STAFF_EMAIL, SMOKE_STAFF_PASSWORD, ...) fills what the options leave out."""
    environ = environ if environ is not None else {}
    accounts = {}
    for role in ROLES:
        email, password = (credentials or {}).get(role, (None, None))
        email = email or environ.get(f"SMOKE_{role.upper()}_EMAIL") or None
        password = password or environ.get(f"SMOKE_{role.upper()}_PASSWORD") or None
        if bool(email) != bool(password):
            given, missing = ("email", "password") if email else ("password", "email")
            raise UsageError(
                f"the {role} account has a {given} but no {missing}: pass --{role}-{missing} "
                f"or set SMOKE_{role.upper()}_{missing.upper()}"
            )
        if email:
            accounts[role] = Account(role=role, email=email, password=password)
    return Config(
        base_url=parse_base_url(base_url),
        origin=parse_origin(origin) if origin else None,
        assume_https=assume_https,
        accounts=accounts,
    )


# --- HTTP -----------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer worth reporting (an HTTPS redirect, a login page), not a hop."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException, ssl.SSLError)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    set_cookies: dict  # name -> Morsel, as this response set them
    elapsed: float

    def header(self, name):
        return self.headers.get(name)

    @cached_property
    def data(self):
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def code(self):
        return self.data.get("code") if isinstance(self.data, dict) else None

    def describe(self):
        """What the answer was, in a few words: 403 preview_locked, 301 to https://..."""
        text = f"{self.status}" + (f" {self.code}" if self.code else "")
        if 300 <= self.status < 400:
            location = self.header("Location") or "?"
            text += f" to {location}"
            if location.startswith("https://"):
                text += " (plain HTTP behind a TLS proxy? try --assume-https)"
        elif self.status == 429:
            text += f" (retry after {self.header('Retry-After')} s)"
        return text


def _cookie_is_deleted(morsel):
    if morsel["max-age"] not in ("", None):
        try:
            return int(morsel["max-age"]) <= 0
        except ValueError:
            return False
    if morsel["expires"]:
        try:
            return email.utils.parsedate_to_datetime(morsel["expires"]) <= datetime.now(UTC)
        except (TypeError, ValueError):
            return False
    return False


class Client:
    """One browser: its own cookies, the front end's Origin, and CSRF the way the SPA sends it.

    Cookies are kept here rather than in http.cookiejar, which drops Secure cookies over plain
    HTTP: with --assume-https the server is told the request came over TLS and sets Secure
    cookies that a browser behind the proxy would keep. Without it, Secure cookies over http://
    are dropped, as a browser would.
    """

    def __init__(self, config, *, cookies=None):
        self.config = config
        self.jar = dict(cookies or {})  # name -> (value, value as sent on the wire)
        self.opener = urllib.request.build_opener(_NoRedirects())
        scheme = urllib.parse.urlsplit(config.base_url).scheme
        self.keeps_secure_cookies = scheme == "https" or config.assume_https
        netloc = urllib.parse.urlsplit(config.base_url).netloc
        # Without --origin, the server's own origin: same-origin for its CSRF check.
        self.origin = (
            config.origin or f"{'https' if self.keeps_secure_cookies else scheme}://{netloc}"
        )

    def cookie(self, name):
        item = self.jar.get(name)
        return item[0] if item else None

    def request(self, method, path, body=None, *, origin=None, headers=None):
        request = urllib.request.Request(  # noqa: S310 (the scheme was checked in parse_base_url)
            self.config.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
        )
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Origin", origin or self.origin)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.config.assume_https:
            request.add_header("X-Forwarded-Proto", "https")
        token = self.cookie("csrftoken")
        if token and method not in ("GET", "HEAD", "OPTIONS"):
            request.add_header("X-CSRFToken", token)
        if self.jar:
            request.add_header("Cookie", "; ".join(f"{k}={v[1]}" for k, v in self.jar.items()))
        for name, value in (headers or {}).items():
            request.add_header(name, value)

        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.config.timeout) as response:
                status, response_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            status, response_headers, raw = exc.code, exc.headers, exc.read()
            exc.close()
        except NETWORK_ERRORS as exc:
            reason = getattr(exc, "reason", None) or exc
            raise Unreachable(f"{method} {self.config.base_url}{path}: {reason}") from None
        elapsed = time.perf_counter() - started

        set_cookies = {}
        for header in response_headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            set_cookies.update(parsed)
        for name, morsel in set_cookies.items():
            if _cookie_is_deleted(morsel):
                self.jar.pop(name, None)
            elif morsel["secure"] and not self.keeps_secure_cookies:
                continue
            else:
                self.jar[name] = (morsel.value, morsel.coded_value)
        return Reply(status, response_headers, raw, set_cookies, elapsed)


# --- What the contract predicts --------------------------------------------------------------


@dataclass(frozen=True)
class Beta:
    """The phase as the server reports it. `allow_signup` is None when it could not be read."""

    label: str
    allow_signup_without_invite: bool | None = None

    @property
    def disabled(self):
        return self.label == "disabled"

    @property
    def restricts(self):
        return not self.disabled and self.label != "open"


def expected_gate(site_mode, beta, me):
    """API.md's phase-gate table: (status, code) for a gated endpoint, for this caller.

    `me` is the caller's GET /auth/me body, or None for an anonymous caller. Gated bookings views
    also need a login of their own, so an anonymous caller gets 401 even where the gate is open.
    """
    if me is None:
        return 401, "not_authenticated"
    if site_mode == "preview" or not beta.restricts:
        return 200, None
    if me.get("is_staff") or beta.label == "open_beta":
        return 200, None
    has_access = bool((me.get("beta") or {}).get("has_access"))
    if beta.label == "instructor_only" and me.get("role") != "instructor":
        return 403, "beta_phase_restricted"
    if not has_access:
        return 403, "beta_access_required"
    return 200, None


def invite_required(site_mode, beta):
    """Whether POST /auth/register needs an invite; None when the settings could not be read."""
    if (
        site_mode == "preview"
        or not beta.restricts
        or beta.label not in ("instructor_only", "alpha")
    ):
        return False
    if beta.allow_signup_without_invite is None:
        return None
    return not beta.allow_signup_without_invite


def cookie_problems(morsel, env, *, name=None):
    """What is wrong with a cookie for this environment, as short phrases (empty: all good)."""
    problems = []
    if not morsel["httponly"]:
        problems.append("not HttpOnly")
    if bool(morsel["secure"]) != env["secure"]:
        problems.append("Secure" if morsel["secure"] else "not Secure")
    samesite = morsel["samesite"] or "(none)"
    if samesite.lower() != env["samesite"].lower():
        problems.append(f"SameSite={samesite}, expected {env['samesite']}")
    return [f"{name or morsel.key}: {p}" for p in problems]


def flags(morsel):
    parts = ["HttpOnly"] if morsel["httponly"] else []
    parts += ["Secure"] if morsel["secure"] else []
    parts.append(f"SameSite={morsel['samesite'] or '(none)'}")
    return f"{morsel.key} ({', '.join(parts)})"


# --- The run --------------------------------------------------------------------------------


class SmokeRun:
    """One pass over the checks. Each check records pass, fail or skip and what it saw; an error
    inside one (a timeout, a non-JSON body) fails that check and the run goes on."""

    def __init__(self, config):
        self.config = config
        self.report = Report(base_url=config.base_url)
        self.run_id = secrets.token_hex(4)
        self.site_mode = None
        self.beta = None
        self.env = None
        self.pass_cookie = None  # preview_pass, once staff unlocked preview
        self.logged_in = {}  # role -> (Client, /auth/me body)
        self.first_login = None  # the Reply of the first successful login
        self.guest = None  # the guest's Client, once the guest session works
        self.guest_reply = None

    # -- plumbing --

    def add(self, name, status, detail):
        self.report.checks.append(Check(name, status, detail))

    def check(self, name, func):
        try:
            result = func()
        except Unreachable as exc:
            self.add(name, FAIL, f"no answer: {exc}")
        except Exception as exc:  # a check must not stop the others
            self.add(name, FAIL, f"error: {type(exc).__name__}: {exc}")
        else:
            self.add(name, *result)

    def client(self):
        """A new browser; in preview it carries staff's pass when there is one."""
        cookies = {"preview_pass": self.pass_cookie} if self.pass_cookie else None
        return Client(self.config, cookies=cookies)

    @property
    def locked(self):
        return self.site_mode == "preview" and self.pass_cookie is None

    def blocked(self):
        """Why API checks cannot run at all, or None."""
        if self.site_mode not in ENVIRONMENTS:
            return "the server did not report a known site mode"
        if self.beta is None:
            return "the server did not report its beta phase"
        if self.locked:
            return "preview is locked: pass --staff-email/--staff-password to unlock it"
        return None

    # -- the run --

    def run(self):
        first = Client(self.config)
        health = first.request("GET", "/health")  # Unreachable propagates: nothing to report
        self.check("health", lambda: self.check_health(health))
        self.check("site headers", lambda: self.check_site_headers(health))

        self.check("cors: front-end origin allowed", self.check_cors_allowed)
        self.check("cors: foreign origin refused", self.check_cors_foreign)
        self.check("preview: locked without a pass", self.check_preview_locked)
        self.check("preview: open with staff's pass", self.check_preview_unlock)
        self.check("beta settings", self.check_beta_settings)
        self.check("auth/me: anonymous", self.check_me_anonymous)
        self.check("guest session", self.check_guest_session)
        self.check("cookies: csrf and guest", self.check_anonymous_cookies)
        self.check("search history round trip", self.check_search_history)
        for role in ROLES:
            self.check(f"auth/me: {role}", lambda role=role: self.check_me(role))
        self.check("cookies: session", self.check_session_cookies)
        self.check("register: invite required", self.check_register)
        self.check("gate: student refused in instructor_only", self.check_student_refused)
        self.check("bookings history: anonymous", lambda: self.check_history(None))
        for role in ROLES:
            self.check(f"bookings history: {role}", lambda role=role: self.check_history(role))
        self.check("bookings: instructor may not book", self.check_instructor_cannot_book)
        self.check("bookings: student passes the role gate", self.check_student_role_gate)
        self.check(f"exempt endpoints x{EXEMPT_CALLS}", self.check_exempt)
        self.check("cleanup", self.cleanup)
        self.report.site_mode = self.site_mode
        self.report.phase = self.beta.label if self.beta else None
        return self.report

    # -- checks: each returns (status, detail) --

    def check_health(self, reply):
        body = reply.data if isinstance(reply.data, dict) else {}
        seen = reply.describe() + "".join(
            f" {key}={body.get(key)}" for key in ("status", "db", "cache")
        )
        if reply.status == 200 and body.get("status") == "ok":
            return PASS, seen
        return FAIL, seen

    def check_site_headers(self, reply):
        mode, phase = reply.header("X-Site-Mode"), reply.header("X-Beta-Phase")
        if mode in ENVIRONMENTS:
            self.site_mode, self.env = mode, ENVIRONMENTS[mode]
        if phase in (*PHASES, "disabled"):
            self.beta = Beta(label=phase)
        seen = f"X-Site-Mode: {mode}, X-Beta-Phase: {phase}"
        body = reply.data if isinstance(reply.data, dict) else {}
        problems = []
        if mode not in ENVIRONMENTS:
            problems.append("unknown site mode")
        if phase not in (*PHASES, "disabled"):
            problems.append("unknown phase")
        if body and (body.get("site_mode"), body.get("phase")) != (mode, phase):
            problems.append(f"/health says {body.get('site_mode')}, {body.get('phase')}")
        return (FAIL, f"{seen}: {'; '.join(problems)}") if problems else (PASS, seen)

    def _preflight(self, origin):
        return Client(self.config).request(
            "OPTIONS",
            "/auth/login",
            origin=origin,
            headers={
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-csrftoken",
            },
        )

    def check_cors_allowed(self):
        origin = self.config.origin
        if not origin:
            return SKIP, "no --origin given"
        reply = self._preflight(origin)
        allowed = reply.header("Access-Control-Allow-Origin")
        credentials = reply.header("Access-Control-Allow-Credentials")
        allow_headers = (reply.header("Access-Control-Allow-Headers") or "").lower()
        if allowed == origin and credentials == "true" and "x-csrftoken" in allow_headers:
            return PASS, f"{origin} allowed with credentials ({reply.status})"
        if not allowed:
            return FAIL, f"{origin} not allowed: {reply.describe()}, no Access-Control-Allow-Origin"
        return FAIL, (
            f"{origin}: {reply.describe()}, Allow-Origin={allowed}, "
            f"Allow-Credentials={credentials}, Allow-Headers={allow_headers or '(none)'}"
        )

    def check_cors_foreign(self):
        reply = self._preflight(FOREIGN_ORIGIN)
        allowed = reply.header("Access-Control-Allow-Origin")
        if allowed in (FOREIGN_ORIGIN, "*"):
            return FAIL, f"{FOREIGN_ORIGIN} allowed: Access-Control-Allow-Origin={allowed}"
        if 300 <= reply.status < 400:
            return FAIL, f"preflight answered {reply.describe()}"
        return PASS, f"{FOREIGN_ORIGIN} refused ({reply.status}, no Access-Control-Allow-Origin)"

    def check_preview_locked(self):
        if self.site_mode != "preview":
            return SKIP, f"site mode is {self.site_mode}, not preview"
        client = Client(self.config)
        seen = {
            "GET /auth/me": client.request("GET", "/auth/me"),
            "POST /api/public/session/guest": client.request("POST", "/api/public/session/guest"),
        }
        wrong = [
            f"{k}: {r.describe()}"
            for k, r in seen.items()
            if r.status != 403 or r.code != "preview_locked"
        ]
        if wrong:
            return FAIL, "without a pass: " + "; ".join(wrong)
        return PASS, "403 preview_locked for " + " and ".join(seen)

    def check_preview_unlock(self):
        if self.site_mode != "preview":
            return SKIP, f"site mode is {self.site_mode}, not preview"
        staff = self.config.accounts.get("staff")
        if not staff:
            return SKIP, "needs --staff-email/--staff-password"
        client = Client(self.config)
        reply = client.request(
            "POST", "/api/preview/unlock", {"email": staff.email, "password": staff.password}
        )
        if reply.status != 204:
            return FAIL, f"POST /api/preview/unlock: {reply.describe()}"
        morsel = reply.set_cookies.get("preview_pass")
        if morsel is None or client.cookie("preview_pass") is None:
            return FAIL, "204 but no preview_pass cookie kept" + (
                " (Secure over plain HTTP: try --assume-https)" if morsel is not None else ""
            )
        problems = cookie_problems(morsel, ENVIRONMENTS["preview"])
        self.pass_cookie = client.jar["preview_pass"]
        me = client.request("GET", "/auth/me")
        if me.status != 401 or me.code != "not_authenticated":
            problems.append(f"GET /auth/me with the pass: {me.describe()}, expected 401")
        if problems:
            return FAIL, "; ".join(problems)
        return PASS, f"204, {flags(morsel)}; GET /auth/me then 401 not_authenticated"

    def check_beta_settings(self):
        if reason := self.blocked():
            return SKIP, reason
        reply = self.client().request("GET", "/api/beta/settings")
        body = reply.data if isinstance(reply.data, dict) else None
        if reply.status != 200 or body is None:
            return FAIL, f"GET /api/beta/settings: {reply.describe()}"
        label = "disabled" if body.get("beta_disabled") else body.get("phase")
        self.beta = Beta(
            label=label, allow_signup_without_invite=body.get("allow_signup_without_invite")
        )
        seen = (
            f"site_mode={body.get('site_mode')} phase={body.get('phase')} "
            f"beta_disabled={body.get('beta_disabled')} "
            f"allow_signup_without_invite={body.get('allow_signup_without_invite')}"
        )
        if body.get("site_mode") != self.site_mode or label != reply.header("X-Beta-Phase"):
            return (
                FAIL,
                f"{seen}, but X-Site-Mode={self.site_mode} "
                f"X-Beta-Phase={reply.header('X-Beta-Phase')}",
            )
        return PASS, seen

    def check_me_anonymous(self):
        if reason := self.blocked():
            return SKIP, reason
        reply = self.client().request("GET", "/auth/me")
        missing = [h for h in ("X-Site-Mode", "X-Beta-Phase") if not reply.header(h)]
        if reply.status != 401 or reply.code != "not_authenticated":
            return FAIL, f"{reply.describe()}, expected 401 not_authenticated"
        if missing:
            return FAIL, f"401 without {', '.join(missing)} on the error response"
        return PASS, "401 not_authenticated, site headers on the error too"

    def check_guest_session(self):
        if reason := self.blocked():
            return SKIP, reason
        client = self.client()
        first = client.request("POST", "/api/public/session/guest")
        body = first.data if isinstance(first.data, dict) else {}
        if first.status != 201 or body.get("created") is not True:
            return FAIL, f"first POST: {first.describe()}, expected 201 created"
        if client.cookie("guest_id") != body.get("guest_id"):
            return FAIL, "201 but the guest_id cookie was not kept" + (
                " (Secure over plain HTTP: try --assume-https)"
                if "guest_id" in first.set_cookies
                else ""
            )
        again = client.request("POST", "/api/public/session/guest")
        again_body = again.data if isinstance(again.data, dict) else {}
        if again.status != 200 or again_body.get("guest_id") != body["guest_id"]:
            return FAIL, f"second POST: {again.describe()}, expected 200 with the same guest_id"
        self.guest, self.guest_reply = client, first
        return PASS, "201 new guest, then 200 with the same id"

    def check_anonymous_cookies(self):
        if reason := self.blocked():
            return SKIP, reason
        reply = self.client().request("GET", "/auth/csrf")
        seen = [m for m in (reply.set_cookies.get("csrftoken"),) if m is not None]
        problems = [] if seen else [f"GET /auth/csrf ({reply.describe()}) set no csrftoken"]
        if self.guest_reply is None:
            problems.append("no guest session to read guest_id from")
        elif "guest_id" not in self.guest_reply.set_cookies:
            problems.append("the guest session set no guest_id cookie")
        else:
            seen.append(self.guest_reply.set_cookies["guest_id"])
        for morsel in seen:
            problems += cookie_problems(morsel, self.env)
        if problems:
            return FAIL, "; ".join(problems)
        return PASS, ", ".join(flags(m) for m in seen)

    def check_search_history(self):
        if reason := self.blocked():
            return SKIP, reason
        if self.guest is None:
            return FAIL, "no guest session (see 'guest session')"
        query = f"smoke-check {self.run_id}"
        created = self.guest.request(
            "POST",
            "/api/search-history/",
            {"query": query, "search_type": "natural_language", "results_count": 0},
        )
        entry = created.data if isinstance(created.data, dict) else {}
        if created.status != 201 or "id" not in entry:
            return FAIL, f"POST /api/search-history/: {created.describe()}, expected 201"
        listed = self.guest.request("GET", "/api/search-history/?limit=3")
        rows = listed.data if isinstance(listed.data, list) else []
        if listed.status != 200 or not rows or rows[0].get("id") != entry["id"]:
            self._delete_entry(entry["id"])
            return FAIL, f"GET after POST: {listed.describe()}, newest entry is not {query!r}"
        if rows[0].get("query") != query or rows[0].get("search_count") != 1:
            self._delete_entry(entry["id"])
            return FAIL, f"GET shows {rows[0]!r}"
        deleted = self._delete_entry(entry["id"])
        if deleted.status != 204:
            return FAIL, f"DELETE /api/search-history/{entry['id']}: {deleted.describe()}"
        after = self.guest.request("GET", "/api/search-history/?limit=50")
        remaining = after.data if isinstance(after.data, list) else []
        if after.status != 200 or any(r.get("id") == entry["id"] for r in remaining):
            return FAIL, f"the entry is still listed after DELETE ({after.describe()})"
        return PASS, f"guest: POST 201, GET newest {query!r}, DELETE 204, gone"

    def _delete_entry(self, entry_id):
        return self.guest.request(
            "DELETE", f"/api/search-history/{urllib.parse.quote(str(entry_id))}"
        )

    def check_me(self, role):
        account = self.config.accounts.get(role)
        if not account:
            return SKIP, f"needs --{role}-email/--{role}-password"
        if reason := self.blocked():
            return SKIP, reason
        client = self.client()
        login = client.request(
            "POST", "/auth/login", {"email": account.email, "password": account.password}
        )
        if login.status != 200:
            return FAIL, f"POST /auth/login: {login.describe()}"
        if self.first_login is None:
            self.first_login = login
        reply = client.request("GET", "/auth/me")
        me = reply.data if isinstance(reply.data, dict) else None
        if reply.status != 200 or me is None:
            session = self.env["session_cookie"]
            hint = ""
            if session in login.set_cookies and client.cookie(session) is None:
                hint = (
                    " (the Secure session cookie was dropped over plain HTTP: try --assume-https)"
                )
            return FAIL, f"GET /auth/me after login: {reply.describe()}{hint}"
        self.logged_in[role] = (client, me)
        seen = (
            f"200 {me.get('email')} role={me.get('role')} is_staff={me.get('is_staff')} "
            f"has_access={(me.get('beta') or {}).get('has_access')}"
        )
        if (me.get("email") or "").lower() != account.email.strip().lower():
            return FAIL, f"{seen}: not the account that logged in"
        if role == "staff" and not me.get("is_staff"):
            return FAIL, f"{seen}: the staff account is not staff"
        if role != "staff" and me.get("role") != role:
            return FAIL, f"{seen}: expected role {role}"
        return PASS, seen

    def check_session_cookies(self):
        if reason := self.blocked():
            return SKIP, reason
        if self.first_login is None:
            return SKIP, "needs an account that can log in"
        cookies = self.first_login.set_cookies
        expected = self.env["session_cookie"]
        problems = [
            f"{name} set by a {self.site_mode} server"
            for name in SESSION_COOKIES - {expected}
            if name in cookies
        ]
        seen = []
        for name in (expected, "csrftoken"):
            if name not in cookies:
                problems.append(f"login set no {name} cookie")
            else:
                seen.append(cookies[name])
                problems += cookie_problems(cookies[name], self.env)
        if problems:
            return FAIL, "; ".join(problems)
        return PASS, ", ".join(flags(m) for m in seen)

    def check_register(self):
        if reason := self.blocked():
            return SKIP, reason
        needed = invite_required(self.site_mode, self.beta)
        if needed is None:
            return FAIL, "could not read GET /api/beta/settings to know whether an invite is needed"
        if not needed:
            where = "preview" if self.site_mode == "preview" else f"phase {self.beta.label}"
            return SKIP, f"{where} needs no invite, and the smoke check creates no accounts"
        email = f"smoke-check-{self.run_id}@example.invalid"
        client = self.client()
        reply = client.request(
            "POST",
            "/auth/register",
            {
                "email": email,
                "password": secrets.token_urlsafe(24),
                "full_name": "Smoke Check",
                "role": "student",
            },
        )
        if reply.status == 403 and reply.code == "invite_required":
            return PASS, f"403 invite_required in {self.beta.label} (nothing created)"
        if reply.status == 429:
            return SKIP, f"not checked: {reply.describe()} (register allows 10 an hour per address)"
        if reply.status == 201:
            client.request("POST", "/auth/logout")
            return FAIL, f"201: an account was created without an invite ({email}); delete it"
        return FAIL, f"{reply.describe()}, expected 403 invite_required"

    def check_student_refused(self):
        if reason := self.blocked():
            return SKIP, reason
        if self.site_mode == "preview":
            return SKIP, "preview has no beta restrictions"
        if self.beta.label != "instructor_only":
            return SKIP, f"phase is {self.beta.label}, not instructor_only"
        if "student" not in self.config.accounts:
            return SKIP, "needs --student-email/--student-password"
        if "student" not in self.logged_in:
            return FAIL, "the student could not log in (see 'auth/me: student')"
        client, me = self.logged_in["student"]
        if me.get("is_staff"):
            return SKIP, "the student account is staff, which the gate lets through"
        reply = client.request("GET", "/api/bookings/history")
        if reply.status == 403 and reply.code == "beta_phase_restricted":
            return PASS, "GET /api/bookings/history: 403 beta_phase_restricted"
        return (
            FAIL,
            f"GET /api/bookings/history: {reply.describe()}, expected 403 beta_phase_restricted",
        )

    def check_history(self, role):
        if reason := self.blocked():
            return SKIP, reason
        if role is None:
            client, me = self.client(), None
        else:
            if role not in self.config.accounts:
                return SKIP, f"needs --{role}-email/--{role}-password"
            if role not in self.logged_in:
                return FAIL, f"the {role} could not log in (see 'auth/me: {role}')"
            client, me = self.logged_in[role]
        status, code = expected_gate(self.site_mode, self.beta, me)
        reply = client.request("GET", "/api/bookings/history")
        want = f"{status}" + (f" {code}" if code else "")
        if reply.status != status or (code and reply.code != code):
            return FAIL, f"{reply.describe()}, expected {want} for phase {self.beta.label}"
        if status == 200 and not isinstance(reply.data, list):
            return FAIL, "200 but the body is not a list"
        return PASS, f"{want}" + (f" ({len(reply.data)} bookings)" if status == 200 else "")

    def _past_the_gate(self, role):
        """(client, me) when the account is logged in and the gate lets it through, else the
        reason to skip."""
        if reason := self.blocked():
            return None, reason
        if role not in self.config.accounts:
            return None, f"needs --{role}-email/--{role}-password"
        if role not in self.logged_in:
            return None, f"the {role} could not log in (see 'auth/me: {role}')"
        client, me = self.logged_in[role]
        status, code = expected_gate(self.site_mode, self.beta, me)
        if status != 200:
            return None, f"the phase gate answers first ({status} {code}; see 'bookings history')"
        return (client, me), None

    def _booking_body(self, instructor_id):
        starts_at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
        return {
            "instructor_id": instructor_id,
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 60,
        }

    def check_instructor_cannot_book(self):
        found, reason = self._past_the_gate("instructor")
        if not found:
            return SKIP, reason
        client, me = found
        # With itself as the instructor: even a broken role gate could not book (no self-lessons).
        reply = client.request("POST", "/api/bookings/", self._booking_body(int(me["id"])))
        if reply.status == 403 and reply.code == "role_forbidden":
            return PASS, "POST /api/bookings/: 403 role_forbidden"
        return FAIL, f"POST /api/bookings/: {reply.describe()}, expected 403 role_forbidden"

    def check_student_role_gate(self):
        found, reason = self._past_the_gate("student")
        if not found:
            return SKIP, reason
        client, me = found
        # Booking would create data; booking oneself as the instructor is refused by validation
        # after the role check, so a 400 on instructor_id shows students get past it.
        reply = client.request("POST", "/api/bookings/", self._booking_body(int(me["id"])))
        errors = (reply.data or {}).get("errors", {}) if isinstance(reply.data, dict) else {}
        if reply.status == 400 and reply.code == "invalid" and "instructor_id" in errors:
            return (
                PASS,
                "400 invalid on instructor_id (a deliberately invalid booking): "
                "past the role gate, nothing booked",
            )
        return (
            FAIL,
            f"POST /api/bookings/ (invalid instructor on purpose): {reply.describe()}, "
            "expected 400 invalid",
        )

    def check_exempt(self):
        if reason := self.blocked():
            return SKIP, reason
        if self.guest is None:
            return FAIL, "no guest session (see 'guest session')"
        # One identity (this guest) and three times the general limit's worth of calls in
        # well under a minute: were any of these counted, the 121st would be refused.
        calls = [
            ("GET", "/auth/me", (401,)),
            ("POST", "/api/public/session/guest", (200,)),
            ("GET", "/api/search-history/", (200,)),
        ]
        times, limited, wrong = [], {}, {}
        for method, path, ok in calls:
            for _ in range(EXEMPT_CALLS):
                reply = self.guest.request(method, path)
                times.append(reply.elapsed)
                key = f"{method} {path}"
                if reply.status == 429:
                    limited[key] = limited.get(key, 0) + 1
                elif reply.status not in ok:
                    wrong.setdefault(key, reply.describe())
        total = len(calls) * EXEMPT_CALLS
        timing = f"p50 {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        if limited:
            return FAIL, "429 for " + ", ".join(f"{k} x{n}" for k, n in limited.items())
        if wrong:
            return FAIL, "; ".join(f"{k}: {d}" for k, d in wrong.items())
        return PASS, f"{total} calls as one guest, no 429 ({timing})"

    def cleanup(self):
        done, problems = [], []
        for role, (client, _) in self.logged_in.items():
            reply = client.request("POST", "/auth/logout")
            if reply.status == 204:
                done.append(role)
            else:
                problems.append(f"logout of {role}: {reply.describe()}")
        if problems:
            return FAIL, "; ".join(problems) + " (those sessions expire on their own)"
        if not done:
            return SKIP, "no sessions to close (the smoke search entry was deleted by its check)"
        return PASS, f"logged out {', '.join(done)} (204)"


def run_smoke(config):
    return SmokeRun(config).run()
