"""Where apply sends, with which keys: resolved once from the environment."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dorasync.console import wants_colour
from dorasync.errors import DorasyncError
from dorasync.settings import Secret, check_base_url, resolve


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("us3.datadoghq.com", "https://api.us3.datadoghq.com"),
        ("ap2.datadoghq.com", "https://api.ap2.datadoghq.com"),
    ],
)
def test_the_base_url_is_api_dot_site(site: str, url: str) -> None:
    assert resolve({}, site).base_url == url


def test_dd_site_overrides_the_configured_site() -> None:
    assert (
        resolve({"DD_SITE": "datadoghq.eu"}, "datadoghq.com").base_url == "https://api.datadoghq.eu"
    )


def test_a_mistyped_site_is_refused_with_the_nearest_real_one() -> None:
    with pytest.raises(DorasyncError, match=r"did you mean 'datadoghq\.eu'"):
        resolve({"DD_SITE": "app.datadoghq.eu"}, "datadoghq.com")


def test_the_gov_sites_warn_that_dora_is_not_offered_there() -> None:
    settings = resolve({}, "ddog-gov.com")
    assert settings.base_url == "https://api.ddog-gov.com"
    assert "does not offer DORA Metrics" in settings.warnings[0]


def test_dorasync_api_url_overrides_the_site() -> None:
    assert (
        resolve({"DORASYNC_API_URL": "http://127.0.0.1:8126/"}, "datadoghq.com").base_url
        == "http://127.0.0.1:8126"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1",
        "http://localhost:8126",
        "http://[::1]:80",
        "http://127.8.9.10",
        "https://dd.example.com",
    ],
)
def test_http_is_allowed_to_loopback_and_https_anywhere(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1:8126", "http://example.com", "ftp://x", "nonsense"]
)
def test_plain_http_elsewhere_and_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(DorasyncError):
        check_base_url(url)


def test_keys_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "app").write_text("app-key-from-file\n")
    settings = resolve(
        {"DD_API_KEY": "api-key-0001", "DD_APP_KEY_FILE": str(tmp_path / "app")}, "datadoghq.com"
    )
    assert settings.api_key is not None
    assert settings.app_key is not None
    assert settings.api_key.reveal() == "api-key-0001"
    assert settings.app_key.reveal() == "app-key-from-file"


@pytest.mark.parametrize("key", ["sentinel-key\nsecond-line", "sentinel key", "sentinel\x00key"])
def test_a_key_with_a_line_break_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(DorasyncError) as caught:
        resolve({"DD_API_KEY": key}, "datadoghq.com")
    assert "DD_API_KEY holds a space or a control character" in str(caught.value)
    assert "sentinel" not in str(caught.value)


def test_an_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DorasyncError, match="DD_API_KEY_FILE names"):
        resolve({"DD_API_KEY_FILE": str(tmp_path / "missing")}, "datadoghq.com")


def test_a_secret_never_shows_itself_in_repr_or_str() -> None:
    secret = Secret("sentinel-0123456789")
    assert "sentinel" not in repr(secret)
    assert "sentinel" not in str(secret)
    assert "sentinel" not in repr(resolve({"DD_API_KEY": "sentinel-0123456789"}, "datadoghq.com"))


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(FakeTerminal())
    assert not wants_colour(io.StringIO())
    assert not wants_colour(FakeTerminal(), disabled=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(FakeTerminal())


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HTTPS_PROXY": "http://proxy:3128"}, {"https": "http://proxy:3128"}),
        ({"https_proxy": "http://proxy:3128", "NO_PROXY": "datadoghq.com"}, {}),
        ({"ALL_PROXY": "socks5://p:1080"}, {"https": "socks5://p:1080"}),
        ({"HTTP_PROXY": "http://proxy:3128"}, {}),
        ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "*"}, {}),
    ],
)
def test_the_proxy_is_read_once_from_the_environment_as_requests_would(
    env: dict[str, str], expected: dict[str, str]
) -> None:
    assert resolve(env, "datadoghq.com").proxies == expected


def test_loopback_never_goes_through_a_proxy() -> None:
    env = {"HTTP_PROXY": "http://proxy:3128", "DORASYNC_API_URL": "http://127.0.0.1:8126"}
    assert resolve(env, "datadoghq.com").proxies == {}


def test_a_ca_bundle_from_the_environment_is_kept_for_verification() -> None:
    assert (
        resolve({"REQUESTS_CA_BUNDLE": "/etc/ca.pem"}, "datadoghq.com").ca_bundle == "/etc/ca.pem"
    )
