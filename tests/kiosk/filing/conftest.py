from tests.kiosk.filing.filing_parts import make_kiosk  # noqa: F401  (fixtures, found by name)
from tests.platform_fixtures import platform, terminal  # noqa: F401
