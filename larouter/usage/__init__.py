"""Usage ledger (DuckDB), pricing and usage queries."""
