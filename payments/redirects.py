"""Where Stripe Checkout may send a learner back to: no open redirect.

A client may name its own success, cancel or return URL, but only on an origin listed in
`CHECKOUT_REDIRECT_ORIGINS` (scheme, host and port exactly; no user info, no other scheme). The
URLs a learner lands on after paying (`success_url`, `return_url`) must say which session it
was: `{CHECKOUT_SESSION_ID}`, which Stripe replaces with the session id, is appended as
`session_id=` when the URL does not carry it already.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from config.errors import AppError

SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"
MAX_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}


class RedirectNotAllowed(AppError):
    def __init__(self, name: str) -> None:
        super().__init__(
            message=f"`{name}` must be an http(s) URL on an origin this site allows.",
            code="redirect_not_allowed",
            status=400,
            suggestion="Leave it out to use the site's own page, or use an allowed origin.",
            extra={"fields": {name: ["This origin is not allowed."]}},
        )


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def allowed_origins() -> set[tuple[str, str, int]]:
    return {
        origin
        for configured in settings.CHECKOUT_REDIRECT_ORIGINS
        if (origin := _origin(configured.rstrip("/")))
    }


def redirect_url_allowed(url: str) -> bool:
    """Whether Checkout may send a learner to `url`."""
    if not url or len(url) > MAX_LENGTH or not url.isprintable() or " " in url or "\\" in url:
        return False
    origin = _origin(url)
    if origin is None or origin not in allowed_origins():
        return False
    # Django's own check as well: it knows the tricks browsers accept (`///`, control chars...).
    netloc = urlsplit(url).netloc
    return url_has_allowed_host_and_scheme(url, allowed_hosts={netloc}, require_https=False)


def with_session_id(url: str) -> str:
    """`url`, carrying `{CHECKOUT_SESSION_ID}` (appended as a `session_id` query parameter)."""
    if SESSION_ID_PLACEHOLDER in url:
        return url
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        separator = ""
    return f"{base}{separator}session_id={SESSION_ID_PLACEHOLDER}{hash_mark}{fragment}"


def redirect_url_or_default(url: str, *, name: str, default: str, landing: bool) -> str:
    """The client's `url` if allowed (else `RedirectNotAllowed`), or the setting's `default`
    when the client sent none; a `landing` URL (success, return) carries the session id."""
    if url and not redirect_url_allowed(url):
        raise RedirectNotAllowed(name)
    chosen = url or default
    return with_session_id(chosen) if landing else chosen
