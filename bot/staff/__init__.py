"""Staff roles and reports."""
