"""Adapter: where to send and with which keys, resolved once from the environment.

Like twine's Settings, this is read in one place and passed down, so that nothing
deeper reads `os.environ`. Keys come from the environment (or a file named by one,
for CI secret mounts), never from the command line, and are wrapped in `Secret` so
that no repr, log line or traceback can show them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dorasync.config import NO_DORA_SITES, check_site
from dorasync.errors import DorasyncError


class Secret:
    """A key that shows itself only to the HTTP layer."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    """The resolved target of an apply: base URL, keys, and how to reach it."""

    base_url: str
    api_key: Secret | None
    app_key: Secret | None
    warnings: tuple[str, ...] = ()
    # Resolved once here rather than by requests on every request (its trust_env
    # lookups cost more than the emulator's whole answer): the proxy for the base
    # URL (HTTPS_PROXY, NO_PROXY...) and a CA bundle (REQUESTS_CA_BUNDLE).
    proxies: dict[str, str] = field(default_factory=dict)
    ca_bundle: str | None = None

    def secrets(self) -> list[str]:
        return [s.reveal() for s in (self.api_key, self.app_key) if s and s.reveal()]


def resolve(env: Mapping[str, str], configured_site: str) -> ApiSettings:
    """Read DD_SITE, DORASYNC_API_URL, DD_API_KEY(_FILE) and DD_APP_KEY(_FILE)."""
    warnings = []
    site = configured_site
    if env.get("DD_SITE"):
        try:
            site = check_site(env["DD_SITE"])
        except ValueError as exc:  # PydanticCustomError is a ValueError
            raise DorasyncError(f"DD_SITE: {exc}") from None
    if site in NO_DORA_SITES:
        warnings.append(f"Datadog does not offer DORA Metrics on {site}; events may be refused")
    url = check_base_url(env.get("DORASYNC_API_URL") or f"https://api.{site}")
    return ApiSettings(
        base_url=url,
        api_key=_key(env, "DD_API_KEY"),
        app_key=_key(env, "DD_APP_KEY"),
        warnings=tuple(warnings),
        proxies=_proxies(env, url),
        ca_bundle=env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None,
    )


def _proxies(env: Mapping[str, str], url: str) -> dict[str, str]:
    """The proxy for `url` as requests would pick it from the environment."""
    host = urlsplit(url).hostname or ""
    if is_loopback(host):
        return {}
    lowered = {k.lower(): v for k, v in env.items() if k.lower().endswith("_proxy") and v}
    no_proxy = lowered.get("no_proxy", "")
    if no_proxy == "*" or any(
        host.endswith(d.strip().lstrip(".")) for d in no_proxy.split(",") if d.strip()
    ):
        return {}
    scheme = urlsplit(url).scheme
    chosen = lowered.get(f"{scheme}_proxy") or lowered.get("all_proxy")
    return {scheme: chosen} if chosen else {}


def check_base_url(url: str) -> str:
    """https anywhere; plain http only to this machine (the emulator)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DorasyncError(
            f"DORASYNC_API_URL {url!r} is not an http(s) URL; write e.g. "
            "https://api.datadoghq.com or http://127.0.0.1:8126"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise DorasyncError(
            f"DORASYNC_API_URL {url!r} uses plain http to another machine, "
            "which would send the API key in clear; use https"
        )
    return url.strip().rstrip("/")


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _key(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    path = env.get(f"{name}_FILE")
    if not value and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise DorasyncError(
                f"{name}_FILE names {path!r}, which cannot be read: {reason}"
            ) from None
    if not value:
        return None
    # A key with a space or a control character would be refused by the HTTP layer
    # with an error quoting it; say what is wrong without showing it.
    if not value.isprintable() or any(c.isspace() for c in value):
        raise DorasyncError(
            f"{name} holds a space or a control character (a pasted line "
            "break?); set it to the key alone"
        )
    return Secret(value)
