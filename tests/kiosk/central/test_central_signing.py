"""Every signature rule, against the reference platform, each with its own code."""

import time

import pytest
import requests

from kiosk.central import signing
from simulators.platform.testing import admin


def _get(platform, headers):
    return requests.get(platform.url + "/v1/catalog", headers=headers, timeout=5)


def _signed(terminal, platform, **kw):
    return signing.sign(terminal.key, "GET", platform.url + "/v1/catalog", b"", terminal.id, **kw)


def _rejected(platform):
    return admin(platform, "GET", "/v1/admin/stats").json()["rejected_signatures"]


def test_a_correctly_signed_request_is_accepted(platform, terminal):
    assert _get(platform, _signed(terminal, platform)).status_code == 200
    assert _rejected(platform) == 0


@pytest.mark.parametrize("drop", signing.SIGNED_HEADERS)
def test_missing_signature_header_is_refused(platform, terminal, drop):
    headers = _signed(terminal, platform)
    del headers[drop]
    r = _get(platform, headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "SIGNATURE_MISSING")
    assert drop in r.json()["error"]["message"]


def test_bad_signature_is_refused(platform, terminal):
    headers = _signed(terminal, platform)
    headers[signing.H_SIGNATURE] = "0" * 64
    r = _get(platform, headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "SIGNATURE_INVALID")


def test_signature_with_another_key_is_refused(platform, terminal):
    headers = signing.sign(b"k" * 32, "GET", platform.url + "/v1/catalog", b"", terminal.id)
    assert _get(platform, headers).json()["error"]["code"] == "SIGNATURE_INVALID"


def test_altered_body_is_refused(platform, terminal):
    url = platform.url + "/v1/heartbeat"
    headers = signing.sign(terminal.key, "POST", url, b'{"software_version": "1"}', terminal.id)
    r = requests.post(url, data=b'{"software_version": "2"}', headers={**headers, "Content-Type": "application/json"},
                      timeout=5)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "SIGNATURE_INVALID")


def test_altered_query_is_refused(platform, terminal):
    url = platform.url + "/v1/applications?id_hash=" + "a" * 64
    headers = signing.sign(terminal.key, "GET", url, b"", terminal.id)
    r = requests.get(platform.url + "/v1/applications?id_hash=" + "b" * 64, headers=headers, timeout=5)
    assert r.json()["error"]["code"] == "SIGNATURE_INVALID"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_timestamp_more_than_300_s_off_is_refused(platform, terminal, offset):
    r = _get(platform, _signed(terminal, platform, now=time.time() + offset))
    assert (r.status_code, r.json()["error"]["code"]) == (401, "TIMESTAMP_SKEW")


def test_timestamp_within_300_s_is_accepted(platform, terminal):
    assert _get(platform, _signed(terminal, platform, now=time.time() - 290)).status_code == 200


def test_nonce_replayed_within_15_minutes_is_refused(platform, terminal):
    headers = _signed(terminal, platform)
    assert _get(platform, headers).status_code == 200
    r = _get(platform, headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "NONCE_REPLAYED")
    # the same nonce with a fresh timestamp is still a replay
    again = _signed(terminal, platform, nonce=headers[signing.H_NONCE], now=time.time() + 5)
    assert _get(platform, again).json()["error"]["code"] == "NONCE_REPLAYED"


def test_a_forged_request_does_not_burn_a_genuine_nonce(platform, terminal):
    headers = _signed(terminal, platform)
    forged = dict(headers, **{signing.H_SIGNATURE: "f" * 64})
    assert _get(platform, forged).json()["error"]["code"] == "SIGNATURE_INVALID"
    assert _get(platform, headers).status_code == 200


def test_unknown_terminal_is_refused(platform, terminal):
    headers = signing.sign(terminal.key, "GET", platform.url + "/v1/catalog", b"", "HUT-NOBODY")
    r = _get(platform, headers)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "TERMINAL_UNKNOWN")


def test_revoked_terminal_is_refused(platform, terminal, client):
    assert admin(platform, "POST", f"/v1/admin/terminals/{terminal.id}/revoke").status_code == 200
    r = _get(platform, _signed(terminal, platform))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "TERMINAL_REVOKED")
    from kiosk.central import NeedsStaff
    with pytest.raises(NeedsStaff) as info:
        client.heartbeat({}, {}, {})
    assert info.value.code == "TERMINAL_REVOKED"


def test_every_refusal_is_counted(platform, terminal):
    _get(platform, {})
    _get(platform, _signed(terminal, platform, now=0))
    assert _rejected(platform) == 2


def test_canonical_query_is_order_independent():
    a = signing.canonical_query_from_string("b=2&a=%E4%B8%AD&a=1")
    b = signing.canonical_query_from_string("a=1&a=中&b=2")
    assert a == b == "a=%E4%B8%AD&a=1&b=2"


def test_a_retry_gets_a_new_nonce_and_signature(terminal):
    one = signing.sign(terminal.key, "POST", "http://x/v1/applications", b"{}", terminal.id)
    two = signing.sign(terminal.key, "POST", "http://x/v1/applications", b"{}", terminal.id)
    assert one[signing.H_NONCE] != two[signing.H_NONCE]
    assert one[signing.H_SIGNATURE] != two[signing.H_SIGNATURE]
