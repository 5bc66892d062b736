"""The client's side of requests (诉求): the request catalog with its on-disk
ETag cache (what survives a garbled answer and the platform being down), the
progress queries under the UI's time budget."""

from __future__ import annotations

import json
import time

import pytest

from kiosk.central.client import RetryLater, request_catalog_document
from kiosk.filing.catalog import CatalogError
from simulators.platform.server import free_port
from simulators.platform.testing import client_for


def test_a_garbled_request_catalog_never_replaces_the_cached_copy(platform, client, tmp_path):
    good = client.request_catalog()
    platform.faults.set("malformed", count=1, path="/v1/request-catalog")
    (tmp_path / "state" / "catalog" / "request-catalog.etag").write_text('"stale"')   # so the platform answers 200
    assert client.request_catalog() == good                                           # truncated JSON: the copy
    assert platform.faults.injected == 1
    cached = json.loads((tmp_path / "state" / "catalog" / "request-catalog.json").read_text("utf-8"))
    assert cached == good and client.cached_request_catalog() == good


def test_no_request_catalog_offline_without_a_cache(terminal, tmp_path):
    with client_for(f"http://127.0.0.1:{free_port()}", terminal, tmp_path) as c, pytest.raises(RetryLater) as info:
        c.request_catalog()
    assert info.value.code == "NO_CATALOG" and c.cached_request_catalog() is None


@pytest.mark.parametrize("document", [
    None, [], {"version": ""}, {"version": "1", "types": [], "topics": [{"code": "x"}]},
    {"version": "1", "types": [{"code": "help"}], "topics": [{"name": "no code"}]},
    {"version": "1", "types": [{"code": "help"}], "topics": [{"code": "x"}], "not_here": "courts"},
])
def test_a_document_without_the_catalogs_shape_is_refused(document):
    complete = {"not_here": [], "communities": [], "departments": [], "rating_reasons": []}
    if isinstance(document, dict) and "topics" in document and "not_here" not in document:
        document = {**complete, **document}
    with pytest.raises(CatalogError):
        request_catalog_document(document)


def test_progress_queries_keep_to_their_budget(platform, client):
    assert client.requests_for(["ab" * 32]) == []
    assert client.request_by_slip("HUT-1/../x", "0" * 16) is None      # a typed serial stays one path segment
    platform.faults.set("slow", count=1, seconds=2)
    started = time.monotonic()
    with pytest.raises(RetryLater) as info:
        client.requests_for(["ab" * 32], budget=0.5)
    assert time.monotonic() - started < 1.0 and info.value.code == "BUDGET"
