"""The FAQ and the country directory: content, matching."""
