"""Changing the emulated account needs the sandbox's control token (test-and-fidelity audit §1.8: the
unauthenticated /_sandbox/account let any process switch the new account's refusals off mid-workshop)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from localaws import api, routes


def _raw(method: str, path: str, document: object | None = None) -> tuple[int, dict]:
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(api.endpoint() + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    ("method", "path", "document"),
    [
        ("POST", routes.ACCOUNT, {"codebuild_concurrency": 99}),
        ("DELETE", routes.ACCOUNT, None),
        ("POST", routes.FAULTS, {"service": "s3", "operation": "*", "error_code": "SlowDown"}),
        ("DELETE", routes.FAULTS, None),
        ("POST", routes.CLOCK, {"advance_seconds": 3600}),
        ("DELETE", routes.IAM_USAGE, None),
    ],
)
def test_a_change_without_the_token_is_refused_and_changes_nothing(method, path, document):
    before = (api.account_settings(), api.list_faults(), api.sandbox_time()["offset_seconds"])
    status, answer = _raw(method, path, document)
    assert status == 403 and "X-Localaws-Token" in answer["error"]
    after = (api.account_settings(), api.list_faults(), api.sandbox_time()["offset_seconds"])
    assert after == before


def test_reading_needs_no_token_and_the_api_sends_it():
    assert _raw("GET", routes.ACCOUNT)[0] == 200
    try:
        changed = api.configure_account({"codebuild_concurrency": 7})
        assert changed["settings"]["codebuild_concurrency"] == 7
    finally:
        api.reset_account()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"advance_seconds": "soon"}'])
def test_a_bad_clock_request_is_a_400_with_a_json_error_and_moves_nothing(body):
    from localaws import control

    before = api.sandbox_time()["offset_seconds"]
    token = control.read_token(api.default_home() / "data")
    request = urllib.request.Request(
        api.endpoint() + routes.CLOCK, data=body, method="POST", headers={control.HEADER: token or ""}
    )
    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(request, timeout=5)
    assert answered.value.code == 400 and "advance_seconds" in json.loads(answered.value.read())["error"]
    assert api.sandbox_time()["offset_seconds"] == before
