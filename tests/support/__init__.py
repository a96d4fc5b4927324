"""What the tests and the benches share: the fake Bot API, the running bot, user journeys."""
