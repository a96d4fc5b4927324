"""Tests of consular-hotline (and the fake Bot API that bench/ reuses)."""
