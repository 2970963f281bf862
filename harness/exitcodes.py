"""The exit codes every ``webtrack`` command uses.

0 clean; 1 findings (a failed scenario, an error finding, a violation, a broken contract);
2 could not check: bad options or configuration, an unreachable or missing target, nothing
selected, nothing to check. A command that could not check everything exits 2 even when it
found something in what it could check: its verdict is incomplete.
"""

CLEAN, FINDINGS, UNCHECKED = 0, 1, 2

__all__ = ["CLEAN", "FINDINGS", "UNCHECKED"]
