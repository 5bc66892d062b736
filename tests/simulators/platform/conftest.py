from tests.platform_fixtures import platform, terminal  # noqa: F401  (fixtures, found by name)
