"""`python -m larouter` runs the CLI (`python -m larouter.daemon` runs the daemon)."""

from larouter.cli import main

main()
