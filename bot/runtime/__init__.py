"""Python Telegram Bot plumbing: transport, limiter, update processing, persistence, polling."""
