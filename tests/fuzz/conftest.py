pytest_plugins = ["tests.integration.conftest"]
