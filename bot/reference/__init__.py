"""Offline reference data: countries, places, phones, Telegram HTML."""
