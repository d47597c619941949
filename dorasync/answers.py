"""Adapter support: what Datadog's answers mean: successes, errors, and requests whose
fate is unknown (product.md "Talking to Datadog"; the seed's 400 model)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from dorasync.errors import DorasyncError

# After a timeout or an answer cut short, the server may well have stored the event.
UNKNOWN_FATE = "(Datadog may have received it; the next apply sends it again, with the same id)"


@dataclass(frozen=True, slots=True)
class ApiProblem:
    """One entry of a JSON:API error answer."""

    detail: str
    pointer: str | None = None


class ApiError(DorasyncError):
    """Datadog did not accept a request."""


class Rejected(ApiError):
    """The server refused this request (400 and other 4xx); retrying will not help."""

    def __init__(self, status: int, problems: list[ApiProblem]) -> None:
        self.status, self.problems = status, problems
        text = "; ".join(p.detail + (f" (at {p.pointer})" if p.pointer else "") for p in problems)
        super().__init__(f"HTTP {status}: {text or 'no detail given'}")


class Fatal(ApiError):
    """Nothing else in this run can succeed (a wrong key, a wrong URL): stop the run."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class GaveUp(ApiError):
    """Transient failures outlasted the retry budget."""


class Stopped(ApiError):
    """The run was asked to stop before this request could be (re)sent."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: 200, or 202 when Datadog accepted it while degraded."""

    status: int
    body: Any
    attempts: int


def refusal(status: int, response: requests.Response, url: str) -> ApiError:
    """The error for a 3xx or 4xx answer other than 429."""
    problems = problems_of(response)
    detail = problems[0].detail if problems else response.reason
    if status in (401, 403):
        return Fatal(
            status,
            f"HTTP {status} {detail}: Datadog refused the key; check DD_API_KEY "
            "(and DD_APP_KEY) and that they belong to the site you send to",
        )
    if status < 400 or status in (404, 405):
        return Fatal(
            status,
            f"HTTP {status} from {url}: no DORA API there; check the site "
            "(DD_SITE, site:) or DORASYNC_API_URL",
        )
    return Rejected(status, problems)


def never_sent(exc: BaseException) -> bool:
    """True when the connection could not even be opened."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in ("NewConnectionError", "ConnectTimeoutError"):
            return True
        seen = (
            seen.__context__
            or seen.__cause__
            or (seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None)
        )
        if seen is exc:
            break
    return False


def reason(exc: requests.RequestException) -> str:
    """A short cause of a connection error (urllib3's full text repeats the URL)."""
    cause = exc.args[0] if exc.args else exc
    reason = getattr(cause, "reason", None) or cause
    return str(reason).split(": ", 1)[-1][:160] or type(exc).__name__


def json_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def problems_of(response: requests.Response) -> list[ApiProblem]:
    """The `errors` of a JSON:API answer (objects with detail and pointer, or strings)."""
    body = json_of(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        text = response.text.strip()[:300]
        return [ApiProblem(text or response.reason or f"HTTP {response.status_code}")]
    out = []
    for error in errors:
        if isinstance(error, dict):
            source = error.get("source") or {}
            detail = error.get("detail") or error.get("title") or json.dumps(error)
            out.append(
                ApiProblem(str(detail), source.get("pointer") if isinstance(source, dict) else None)
            )
        else:
            out.append(ApiProblem(str(error)))
    return out
