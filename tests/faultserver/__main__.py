"""`python -m faultserver`: serve until stdin closes (see server.main)."""

from .server import main

main()
