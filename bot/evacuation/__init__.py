"""Evacuation departures: seats offered in the chat, confirmed, waitlisted, boarded."""
