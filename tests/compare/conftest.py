def pytest_configure(config):
    config.addinivalue_line("markers", "slow: heavier champion-vs-challenger tests (the demo story through the CLI)")
