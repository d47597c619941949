#!/usr/bin/env python3
"""Post FILE as one pull-request (or merge-request) comment, or update the one posted before.

The comment is found by the first line of FILE, an HTML comment such as
`<!-- dorasync plan -->` (which `dorasync plan --format markdown` writes), so each
push updates the same comment instead of adding one more. Standard library only.

GitHub Actions: GITHUB_TOKEN (with pull-requests: write) and PR, the number.
GitLab CI: GITLAB_TOKEN, a project access token with the api scope; the merge
request is the pipeline's own (CI_MERGE_REQUEST_IID).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: comment.py FILE", file=sys.stderr)
        return 1
    with open(argv[1], encoding="utf-8") as handle:
        body = handle.read()
    marker = body.split("\n", 1)[0]
    if not marker.startswith("<!--"):
        print(f"{argv[1]}: the first line must be a marker such as <!-- dorasync plan -->")
        return 1
    api = GitHub() if os.environ.get("GITHUB_ACTIONS") == "true" else GitLab()
    for comment in api.comments():
        if str(comment.get("body", "")).startswith(marker):
            api.call(api.update, api.one(comment["id"]), body)
            print(f"updated comment {comment['id']}")
            return 0
    created = api.call("POST", api.all(), body)
    print(f"posted comment {created['id']}")
    return 0


def need(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"comment.py: {name} is not set (see this example's README)")
    return value


class Api:
    """One issue's (or merge request's) comments, behind a token header."""

    headers: dict[str, str]
    base: str
    update = "PUT"

    def all(self) -> str:
        return self.base

    def one(self, comment_id: object) -> str:
        return f"{self.base}/{comment_id}"

    def comments(self) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            found = self.call("GET", f"{self.base}?per_page=100&page={page}")
            if not found:
                return
            yield from found
            page += 1

    def call(self, method: str, url: str, body: str | None = None) -> Any:
        data = None if body is None else json.dumps({"body": body}).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=self.headers)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)


class GitHub(Api):
    update = "PATCH"

    def __init__(self) -> None:
        api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
        repo, number = need("GITHUB_REPOSITORY"), need("PR")
        self.base = f"{api}/repos/{repo}/issues/{number}/comments"
        self.comments_base = f"{api}/repos/{repo}/issues/comments"
        self.headers = {
            "Authorization": f"Bearer {need('GITHUB_TOKEN')}",
            "Accept": "application/vnd.github+json",
        }

    def one(self, comment_id: object) -> str:
        return f"{self.comments_base}/{comment_id}"


class GitLab(Api):
    def __init__(self) -> None:
        api, project = need("CI_API_V4_URL"), need("CI_PROJECT_ID")
        self.base = f"{api}/projects/{project}/merge_requests/{need('CI_MERGE_REQUEST_IID')}/notes"
        self.headers = {"PRIVATE-TOKEN": need("GITLAB_TOKEN")}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
