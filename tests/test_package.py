"""The built package works outside the repository.

Builds the sdist and the wheel as a release would (``python -m build``), checks what they
carry and their metadata, installs the wheel into a fresh virtual environment from the
wheels ``setup.sh`` fetched (no network), and from a temporary folder drives the commands
and the pytest plugin the way a user who never cloned the repository would.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from harness.client import http_client
from harness.config import load_toml

ROOT = Path(__file__).resolve().parent.parent
WHEELS = Path(sys.prefix) / "wheels"  # setup.sh fetches every dependency there
VERSION = load_toml(ROOT / "pyproject.toml")["project"]["version"]

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing of this test run, this venv or its pip."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "WEBTRACK_", "PIP_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def run(command: list, cwd: Path, timeout: float = 300, env: dict | None = None,
        expect: int | None = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)
    if expect is not None:
        assert done.returncode == expect, (
            f"{' '.join(map(str, command))} exited {done.returncode}, expected {expect}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


class Installed:
    """The built distributions and a fresh virtual environment holding the wheel."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dist = folder / "dist"
        self.venv = folder / "venv"

    @property
    def wheel(self) -> Path:
        return next(self.dist.glob("*.whl"))

    @property
    def sdist(self) -> Path:
        return next(self.dist.glob("*.tar.gz"))

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def make(self) -> None:
        assert WHEELS.is_dir(), f"{WHEELS} is missing: run ./setup.sh, which fetches it"
        offline = clean_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELS))
        # sdist first, then the wheel built from the unpacked sdist: both must be complete.
        run([sys.executable, "-m", "build", "--outdir", self.dist, ROOT], ROOT, env=offline)
        run([sys.executable, "-m", "venv", "--without-pip", self.venv], self.folder)
        run([sys.executable, "-m", "pip", "--python", self.bin("python"), "install", "-q",
             "--no-compile", "--no-index", "--find-links", WHEELS, self.wheel], self.folder,
            env=offline)


@pytest.fixture(scope="session")
def installed(tmp_path_factory, worker_id) -> Installed:
    """Build and install once per test run, whichever xdist worker asks first."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "package"
    shared.mkdir(exist_ok=True)
    found = Installed(shared)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".installed").exists():
            found.make()
            (shared / ".installed").touch()
    return found


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A user's folder: no checkout, no pyproject.toml, nothing of ours."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def shipped_files() -> set[str]:
    """Every file of the package as the repository keeps it, estate mapped into _estate/."""
    listed = run(["git", "-C", ROOT, "ls-files", "--", "harness", "sites", "fixtures"], ROOT)
    files = set()
    for name in listed.stdout.splitlines():
        if name.startswith(("sites/", "fixtures/")):
            files.add(f"harness/_estate/{name}")
        elif not (ROOT / name).is_symlink():  # _estate's links arrive as what they point to
            files.add(name)
    return files


def test_wheel_and_sdist_carry_every_file_the_package_needs(installed):
    expected = shipped_files()
    assert "harness/_estate/sites/shop/index.html" in expected
    with zipfile.ZipFile(installed.wheel) as wheel:
        in_wheel = set(wheel.namelist())
    with tarfile.open(installed.sdist) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert sorted(expected - in_wheel) == [], "missing from the wheel"
    extras = {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"}
    assert sorted((expected | extras) - in_sdist) == [], "missing from the sdist"
    assert not [n for n in in_wheel if "__pycache__" in n or n.startswith(("tests/", "sites/"))]


def test_metadata_is_fit_for_an_index(installed):
    from trove_classifiers import classifiers as known

    run([sys.executable, "-m", "twine", "check", "--strict", installed.wheel, installed.sdist],
        ROOT)
    name = f"webtrack_harness-{VERSION}.dist-info"
    with zipfile.ZipFile(installed.wheel) as wheel:
        meta = HeaderParser().parsestr(wheel.read(f"{name}/METADATA").decode())
        entry_points = wheel.read(f"{name}/entry_points.txt").decode()
        assert "Permission is hereby granted" in wheel.read(f"{name}/licenses/LICENSE").decode()
    assert meta["Version"] == VERSION and meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier")
    assert "Framework :: Pytest" in classifiers
    assert sorted(set(classifiers) - known) == [], "not a trove classifier"
    # Only real addresses: the project declares none until it has a public home.
    assert all(url.split(", ", 1)[1].startswith("https://")
               for url in meta.get_all("Project-URL") or [])
    assert "webtrack = harness.plugin" in entry_points
    assert "webtrack = harness.cli:main" in entry_points
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_installed_package_reads_only_its_own_files(installed, elsewhere):
    probe = ("import json, harness, harness.resources as r;"
             "from harness import consent_audit, fixtures; from harness.gate import golden;"
             "golden.load(); consent_audit.load(); fixtures.read(r.FIXTURES);"
             "print(json.dumps({'package': harness.__file__, **{k: str(getattr(r, k)) for k in"
             " ('SITES', 'FIXTURES', 'TRACKER', 'CONSENT_CONFIG', 'GOLDEN', 'SCENARIOS')}}))")
    found = json.loads(run([installed.bin("python"), "-c", probe], elsewhere).stdout)
    site_packages = str(installed.venv / "lib")
    for what, path in found.items():
        assert path.startswith(site_packages), f"{what} read from {path}, not the install"
        assert Path(path).exists() and not Path(path).is_symlink(), what
    version = run([installed.bin("webtrack"), "--version"], elsewhere).stdout
    assert version.strip().endswith(VERSION)


def get(port: int, host: str, path: str) -> tuple[int, str]:
    with http_client(port, f"{host}.localhost", timeout=10) as client:
        response = client.get(path)
    response.raise_for_status()
    return response.status_code, response.text


def _as_from_a_shell() -> None:
    """In the child, before it runs: SIGINT handled by default and not blocked."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def test_serve_answers_from_another_folder(installed, elsewhere):
    log = elsewhere / "serve.log"
    with open(log, "w") as out:
        # Ctrl-C as a user's shell delivers it: the suite's worker can hand its children
        # SIGINT ignored, and a Python started so never raises KeyboardInterrupt (a failure
        # dumped the stacks: the main thread still asleep in serve's loop).
        server = subprocess.Popen([installed.bin("webtrack"), "serve", "--port", "0"],
                                  cwd=elsewhere, env=clean_env(PYTHONFAULTHANDLER="1"), stdout=out,
                                  stderr=subprocess.STDOUT, preexec_fn=_as_from_a_shell)
    try:
        deadline, port = time.monotonic() + 30, None
        while port is None and time.monotonic() < deadline and server.poll() is None:
            found = re.search(r"serving on port (\d+)", log.read_text())
            port = int(found.group(1)) if found else time.sleep(0.1)
        assert port, f"webtrack serve did not start:\n{log.read_text()}"
        assert get(port, "collector", "/healthz") == (200, '{"ok":true}\n')
        status, page = get(port, "shop", "/cart.html")
        assert status == 200 and "<title>Your cart</title>" in page
        assert f'src="http://collector.localhost:{port}/tracker.js"' in page
        status, script = get(port, "collector", "/tracker.js")
        assert status == 200 and "disableCookiesUsage" in script
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # where it hangs, from its own threads' stacks
            server.send_signal(signal.SIGABRT)
            server.wait(timeout=15)
            code = None
        assert code == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert (elsewhere / "reports" / "webtrack.sqlite3").is_file()  # a relative default: here


def test_run_one_scenario_from_another_folder(installed, elsewhere):
    run([installed.bin("webtrack"), "run", "--browser", "chromium", "-n", "1",
         "-k", "tracked_link_sets_cookie"], elsewhere)
    results = json.loads((elsewhere / "reports/run/results.json").read_text())
    assert results["summary"]["passed"] == 1 and results["summary"]["failed"] == 0, results
    assert (elsewhere / "reports/run/report.html").is_file()


def test_audit_a_page_from_another_folder(installed, elsewhere):
    (elsewhere / "good.html").write_text(
        "<!doctype html><html><head><title>Good</title><script defer data-site=shop"
        " src=http://collector.localhost:8800/tracker.js></script></head><body></body></html>")
    (elsewhere / "bad.html").write_text(
        "<!doctype html><html><head><title>Bad</title></head><body></body></html>")
    run([installed.bin("webtrack"), "audit", "good.html", "bad.html"], elsewhere, expect=1)
    findings = json.loads((elsewhere / "reports/audit/findings.json").read_text())
    assert [(f["rule"], Path(f["file_or_url"]).name) for f in findings] == [
        ("WT001", "bad.html")]


def test_consent_audit_of_a_served_site_from_another_folder(installed, elsewhere):
    (elsewhere / "consent.toml").write_text(
        'settle_seconds = 0.5\n[[site]]\nname = "blog"\nstart = "http://blog.localhost:8800/"\n'
        'tracked = true\nopt_out = [{ click = "#reject-cookies" }]\n')
    # One browser: what is proven is that the installed package audits from a user's folder
    # (its config read there, the estate served from the install); every browser's verdicts
    # are the consent audit tests' own.
    run([installed.bin("webtrack"), "consent-audit", "--config", "consent.toml", "--serve",
         "--browser", "chromium"], elsewhere)
    report = json.loads((elsewhere / "reports/consent/report.json").read_text())
    assert report["summary"]["passed"] >= 2 and report["summary"]["failed"] == 0, report


def test_plugin_in_a_users_own_project(installed, elsewhere):
    (elsewhere / "test_shop.py").write_text(
        "def test_cart_visit(webtrack_server, webtrack, visitor):\n"
        "    profile = webtrack.profile(consent='opted_in')['id']\n"
        "    visitor.arrive(profile, 'shop', '/cart.html')\n"
        "    visit = webtrack.expect(profile, 'website_visited')[0]\n"
        "    assert visit['msdynci_viewtitle'] == 'Your cart'\n"
        "    assert visit['msdynci_viewuri'] == webtrack_server.url_for('shop', '/cart.html')\n")
    done = run([installed.bin("python"), "-m", "pytest", "-p", "no:cacheprovider",
                "--browser", "chromium", "-q"], elsewhere)
    assert "1 passed" in done.stdout
