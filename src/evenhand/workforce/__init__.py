"""Workforce equality: staff members' self-declared equality profiles and their HR events (issue 17)."""
