"""SMS to citizens a notice did not reach: the gateway interface, one adapter, the sender."""
