"""Whether a browser compiles a script the audit's parser cannot read.

esprima reads ES2017 (and what ``downlevel`` rewrites); a script it cannot parse may be
newer syntax, which the browser runs, or a syntax error, which it never runs: a
``document.write("<script …></script>")`` whose ``</script>`` ended the inline script
early, say. V8 tells them apart: the Node.js that Playwright ships compiles the text (a
``vm.Script``, or a ``vm.SourceTextModule`` for a module), without running it.
"""

from __future__ import annotations

import functools
import subprocess

_COMPILE = "new (require('vm').{})(require('fs').readFileSync(0, 'utf8'))"


@functools.lru_cache(maxsize=64)
def compiles(code: str, module: bool = False) -> bool | None:
    """True when V8 compiles *code* (as a module), False on a syntax error, None when it
    cannot be asked (no Node.js, a timeout)."""
    try:
        from playwright._impl._driver import compute_driver_executable

        node = compute_driver_executable()[0]
        done = subprocess.run(
            [node, "--experimental-vm-modules", "--no-warnings", "-e",
             _COMPILE.format("SourceTextModule" if module else "Script")],
            input=code.encode("utf-8", "surrogatepass"), capture_output=True, timeout=30)
    except (ImportError, OSError, subprocess.TimeoutExpired, UnicodeError):
        return None
    if done.returncode == 0:
        return True
    return False if b"SyntaxError" in done.stderr else None
