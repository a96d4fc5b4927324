"""Unit tests: no server, no bot; each runs in milliseconds."""
