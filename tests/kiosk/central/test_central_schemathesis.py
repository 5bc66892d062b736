"""Property-based conformance of the reference platform to the contract
(kiosk/central/openapi.yaml), with every request properly signed (and every
admin call carrying the real admin token) so the generated data reaches the
handlers instead of bouncing off the credential check.  Negative data (what
the contract forbids) as well as positive, on every endpoint, each case sent
to the platform on SQLite and on PostgreSQL; bounded examples keep it to
seconds."""

import re
from importlib import resources

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from kiosk.central import signing
from kiosk.central.client import _Signer
from simulators.platform.pgcluster import ThrowawayCluster
from simulators.platform.testing import Terminal, start_platform

pytestmark = [pytest.mark.slow, pytest.mark.procs]   # procs: a PostgreSQL cluster

CONTRACT = resources.files("kiosk.central").joinpath("openapi.yaml")
schema = schemathesis.openapi.from_path(str(CONTRACT))
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


class SignIfAsked(_Signer):
    """Sign like the kiosk (or authorise like the back office), except when
    schemathesis deliberately left the credential out (its negative "missing
    header" cases)."""

    def __init__(self, terminal_id, key, admin_token):
        super().__init__(terminal_id, key)
        self.admin_token = admin_token

    def __call__(self, r):
        if r.headers.get("Authorization", "").startswith("Bearer "):
            r.headers["Authorization"] = f"Bearer {self.admin_token}"
        return super().__call__(r) if signing.H_SIGNATURE in r.headers else r


@pytest.fixture(scope="module")
def signed_platforms(tmp_path_factory):
    """The platform on each backend (SQLite; PostgreSQL on a throwaway cluster), each with a
    session that signs as a terminal it trusts."""
    cluster = ThrowawayCluster().start()
    platforms = {}
    try:
        for name, db in (("SQLite", None), ("PostgreSQL", cluster.create_database("platform"))):
            terminal = Terminal()
            server = start_platform(tmp_path_factory.mktemp("platform"), terminal, db=db)
            session = requests.Session()
            session.auth = SignIfAsked(terminal.id, terminal.key, server.admin_token)
            platforms[name] = server, session
        yield platforms
    finally:
        for server, session in platforms.values():
            session.close()
            server.stop()
        cluster.drop()


# Every case goes to the platform on both backends: the cases are made once (making them is
# most of this test's time), and either backend breaking the contract fails it.  The
# parameter also gives each operation a test id of its own: without one, schemathesis 4.32's
# items all get one id under pytest 9, and pytest-xdist runs one of them (tests/tiers.py now
# refuses a suite where two tests share an id).
@pytest.mark.parametrize("backends", ["sqlite+postgresql"])
@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_platform_conforms_to_the_contract(case, backends, signed_platforms):
    # A header value with control or non-ASCII bytes is refused by the HTTP
    # server itself (uvicorn: 400 text/plain) before the platform sees it, as
    # any HTTP server would; that is HTTP's rule, not the contract's.
    assume(all(HEADER_VALUE.fullmatch(str(v)) for v in (case.headers or {}).values()))
    for backend, (server, session) in signed_platforms.items():
        try:
            conforms(case, server, session)
        except BaseException as failed:
            failed.add_note(f"(the platform on {backend})")
            raise


def conforms(case, server, session):
    # Left out: ignored_auth (the session re-signs the check's deliberately bad
    # signature; test_central_signing.py covers every signature rule against
    # this platform instead) and positive_data_acceptance (the platform also
    # applies rules a schema cannot state: the catalog's form fields, the body
    # hashing to the attachment's name, attachments uploaded before use).
    response = case.call_and_validate(base_url=server.url, session=session, timeout=10,
                                      excluded_checks=[ignored_auth, positive_data_acceptance])
    # Whatever path, query and body it made up, a request the kiosk signed must
    # pass the signature check: the two sides canonicalise the request alike.
    if signing.H_SIGNATURE in response.request.headers and response.status_code in (401, 403):
        code = response.json()["error"]["code"]
        assert code not in (signing.SIGNATURE_INVALID, signing.SIGNATURE_MISSING), (
            response.request.method, response.request.url, code)
