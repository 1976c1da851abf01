"""tests/bench holds `make bench` scripts, not tests: keep pytest from importing them."""

collect_ignore_glob = ["*.py"]
