"""Official notices: schedule, text, delivery engine."""
