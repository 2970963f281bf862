"""Progress lines: rewritten in place on a terminal, whole lines now and then in CI logs."""

import io

import pytest

from harness.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("total, every, steps, lines", [
    (None, 2, 5, ["mutants: 2, s", "mutants: 4, s"]),
    (4, None, 4, ["mutants: 1/4, s", "mutants: 2/4, s", "mutants: 3/4, s", "mutants: 4/4, s"]),
    (20, None, 5, ["mutants: 2/20, s", "mutants: 4/20, s"]),
    (3, 10, 3, ["mutants: 3/3, s"]),  # the end is always said
])
def test_in_ci_logs_a_whole_line_now_and_then(total, every, steps, lines):
    log = io.StringIO()
    with Progress("mutants", total, stream=log, every=every) as bar:
        for _ in range(steps):
            bar.step("s")
    assert "\r" not in log.getvalue()
    assert log.getvalue().splitlines() == lines


def test_on_a_terminal_one_line_rewritten_in_place():
    screen = Terminal()
    bar = Progress("mutants", stream=screen)
    bar.step("1 killed")
    bar.step("2 killed")
    bar.close()  # before other output: the line is ended once
    bar.close()
    bar.step("3 killed")
    bar.close()
    assert screen.getvalue() == ("\rmutants: 1, 1 killed\rmutants: 2, 2 killed\n"
                                 "\rmutants: 3, 3 killed\n")
