"""People around a registration: end of stay, groups, follows, family links, inquiries."""
