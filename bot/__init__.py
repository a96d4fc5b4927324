"""consular-hotline: the application around python-telegram-bot."""
