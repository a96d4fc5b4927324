"""End-to-end tests: the real application against the fake Bot API, or the CLI as a process."""
