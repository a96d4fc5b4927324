"""Official notices: the service handlers use, the delivery engine, schedules, texts, views."""
