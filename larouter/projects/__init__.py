"""Projects, their tokens, and budgets."""
