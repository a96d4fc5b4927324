"""Scripts that print figures."""
