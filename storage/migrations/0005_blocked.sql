-- When a citizen blocked the bot (NULL while reachable); notices skip blocked citizens.
ALTER TABLE citizens ADD COLUMN blocked_at TEXT;
