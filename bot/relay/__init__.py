"""The hotline relay: citizens' messages into staff topics, through the group budget."""
