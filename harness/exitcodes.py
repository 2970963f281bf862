"""The exit codes every ``webtrack`` command uses.

0 clean; 1 findings (a failed scenario, an error finding, a violation, a broken contract);
2 could not check: bad options or configuration, an unreachable or missing target, nothing
selected, nothing to check. A command that could not check everything exits 2 even when it
found something in what it could check: its verdict is incomplete.
"""

CLEAN, FINDINGS, UNCHECKED = 0, 1, 2
VERDICTS = {CLEAN: "PASS", FINDINGS: "FAIL", UNCHECKED: "INCOMPLETE"}


def short_of(code: int, why: str, missing: list[str]) -> tuple[int, str]:
    """A clean verdict reached in fewer browsers than asked for is incomplete: say which."""
    if missing and code == CLEAN:
        return UNCHECKED, f"not run in {', '.join(missing)}"
    return code, why


__all__ = ["CLEAN", "FINDINGS", "UNCHECKED", "VERDICTS", "short_of"]
