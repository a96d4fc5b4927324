"""The hotline team's tools: templates, response-time alarms, hotline statistics."""
