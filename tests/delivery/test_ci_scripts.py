"""scripts/ci: the token refresher against a local stand-in for GitHub's OIDC endpoint, and the kubelogin
installer's refusal of an archive that does not match its pin. Every wait is bounded."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ROOT

CI = ROOT / "scripts" / "ci"
FEDERATED_TOKEN = CI / "federated-token.sh"
INSTALL_KUBELOGIN = CI / "install-kubelogin.sh"
SCRIPTS = [FEDERATED_TOKEN, INSTALL_KUBELOGIN]
REQUEST_TOKEN = "request-token-Zm9vYmFy-must-never-show"
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def fake_jwt(serial: int) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'aud': 'api://AzureADTokenExchange', 'serial': serial})}.c2lnbmF0dXJl{serial}"


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up after {seconds}s waiting for {what}")


@dataclass
class FakeOidc:
    """GitHub's token endpoint, as far as the script sees it: bearer auth, an audience, {"value": <jwt>}."""

    url: str = ""
    status: int = 200
    body: Callable[[int], object] = field(default=lambda n: {"count": 1, "value": fake_jwt(n)})
    served: list[str] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def oidc() -> Iterator[FakeOidc]:
    state = FakeOidc()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            state.requests.append({"authorization": self.headers.get("Authorization", ""),
                                   "audience": query.get("audience", [""])[0],
                                   "api-version": query.get("api-version", [""])[0]})
            if self.headers.get("Authorization") != f"bearer {REQUEST_TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            if state.status != 200:
                self.send_response(state.status)
                self.end_headers()
                return
            payload = state.body(len(state.requests))
            if isinstance(payload, dict) and isinstance(payload.get("value"), str):
                state.served.append(payload["value"])
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep pytest's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/idtoken?api-version=2.0"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def curl_recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A `curl` first on the PATH that records its arguments, then runs the real curl (stdin passes through)."""
    real = shutil.which("curl")
    assert real, "curl is needed for these tests (it is on every GitHub runner image)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "curl-argv.log"
    shim = bin_dir / "curl"
    shim.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return bin_dir, log


def token_env(oidc: FakeOidc, tmp_path: Path, **extra: str) -> dict[str, str]:
    bin_dir, _ = curl_recorder(tmp_path)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "ACTIONS_ID_TOKEN_REQUEST_URL": oidc.url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        "AZURE_FEDERATED_TOKEN_FILE": str(tmp_path / "runner-temp" / "azure-federated-token"),
        "FEDERATED_TOKEN_INTERVAL_SECONDS": "1",
        "FEDERATED_TOKEN_RETRY_SECONDS": "1",
        **extra,
    }


def read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def assert_no_token_leaked(text: str, oidc: FakeOidc) -> None:
    assert REQUEST_TOKEN not in text
    for token in oidc.served:
        assert token not in text
        assert token.split(".")[2] not in text


# --- both scripts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_strict_bash_that_parses(script: Path) -> None:
    assert script.stat().st_mode & stat.S_IXUSR, f"{script.name} must be executable (the workflows run it directly)"
    lines = script.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    code = [line for line in lines[1:] if line.strip() and not line.lstrip().startswith("#")]
    assert code[0] == "set -euo pipefail", "strict mode before any command"
    assert not any(re.match(r"\s*set\s+-\w*x", line) for line in code), "tracing would print tokens"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def test_the_token_and_the_request_token_are_never_echoed_or_passed_on_a_command_line() -> None:
    text = FEDERATED_TOKEN.read_text(encoding="utf-8")
    assert "set +x" in text
    for line in text.splitlines():
        if re.search(r"\$\{?(token|ACTIONS_ID_TOKEN_REQUEST_TOKEN)\b", line) and not line.lstrip().startswith("#"):
            # The only uses: into curl's config on stdin, into the temporary file, and checks.
            allowed = ("header = " in line or "'%s' \"$token\" >\"$tmp\"" in line or "[[" in line)
            assert allowed, f"the token reaches something other than the file or curl's stdin: {line.strip()}"
            assert "echo" not in line


# --- federated-token.sh -----------------------------------------------------------------------------------


def test_run_writes_a_token_refreshes_it_and_stops_cleanly_when_killed(oidc: FakeOidc, tmp_path: Path) -> None:
    env = token_env(oidc, tmp_path)
    token_file = Path(env["AZURE_FEDERATED_TOKEN_FILE"])
    process = subprocess.Popen([str(FEDERATED_TOKEN), "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: read(token_file) == fake_jwt(1), seconds=10, what="the first token")
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600  # readable by the job's user only
        # Refreshed: a later token replaces it, whole (never a half-written file).
        seen: set[str] = set()

        def refreshed_twice() -> bool:
            content = read(token_file)
            assert content == "" or JWT.match(content), f"a reader saw a partial token: {content!r}"
            seen.add(content)
            return len(oidc.served) >= 3 and content in oidc.served[2:]

        wait_for(refreshed_twice, seconds=15, what="two refreshes")
        assert not read(token_file).endswith("\n")  # the file is the assertion, byte for byte
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == 0, output
    assert "stopped" in output
    assert [r["audience"] for r in oidc.requests] == ["api://AzureADTokenExchange"] * len(oidc.requests)
    assert {r["api-version"] for r in oidc.requests} == {"2.0"}  # the runner's query string is kept
    assert [p.name for p in token_file.parent.iterdir()] == [token_file.name]  # no temporary file left
    assert_no_token_leaked(output, oidc)
    # Nothing secret on any command line: curl got the request token through its config on stdin.
    assert_no_token_leaked(read(tmp_path / "curl-argv.log"), oidc)
    assert "--config" in read(tmp_path / "curl-argv.log")


def test_start_returns_with_a_token_and_a_background_refresher_that_stop_ends(oidc: FakeOidc, tmp_path: Path) -> None:
    env = token_env(oidc, tmp_path)
    token_file = Path(env["AZURE_FEDERATED_TOKEN_FILE"])
    pid_file = Path(f"{token_file}.pid")
    started = subprocess.run([str(FEDERATED_TOKEN), "start"], env=env, capture_output=True, text=True, timeout=20,
                             check=False)
    pid = int(read(pid_file) or 0)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert read(token_file) == fake_jwt(1) and pid > 0
        wait_for(lambda: len(oidc.served) >= 2 and read(token_file) == oidc.served[-1], seconds=15,
                 what="a refresh by the background process")
        # The refresher logs after it has written the file: under load (tests on every core) `stop` could read
        # the log between the two.
        wait_for(lambda: "refreshed at" in read(Path(f"{token_file}.log")), seconds=15, what="the refresh's log line")
        stopped = subprocess.run([str(FEDERATED_TOKEN), "stop"], env=env, capture_output=True, text=True,
                                 timeout=20, check=False)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        wait_for(lambda: not Path(f"/proc/{pid}").exists() or "zombie" in read(Path(f"/proc/{pid}/status")).lower(),
                 seconds=5, what="the refresher to exit")
        assert not pid_file.exists()
        assert "refreshed at" in stopped.stdout  # `stop` shows the refresher's log
        assert_no_token_leaked(started.stdout + started.stderr + stopped.stdout + stopped.stderr, oidc)
    finally:
        if pid and Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def test_a_failed_first_fetch_fails_the_step_visibly_and_writes_nothing(oidc: FakeOidc, tmp_path: Path) -> None:
    oidc.status = 500
    env = token_env(oidc, tmp_path)
    result = subprocess.run([str(FEDERATED_TOKEN), "start"], env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 1
    assert "::error title=federated-token::could not get a GitHub OIDC token" in result.stdout
    assert not Path(env["AZURE_FEDERATED_TOKEN_FILE"]).exists()
    assert not Path(env["AZURE_FEDERATED_TOKEN_FILE"] + ".pid").exists()  # no refresher left behind
    assert_no_token_leaked(result.stdout + result.stderr, oidc)


@pytest.mark.parametrize(("body", "reason"), [
    ({"count": 0}, 'no "value" in the JSON response'),
    ({"value": "not a jwt"}, "not a JWT"),
])
def test_an_answer_without_a_usable_token_is_refused(oidc: FakeOidc, tmp_path: Path, body: object, reason: str) -> None:
    oidc.body = lambda _n: body
    env = token_env(oidc, tmp_path)
    result = subprocess.run([str(FEDERATED_TOKEN), "start"], env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 1 and reason in result.stderr
    assert not Path(env["AZURE_FEDERATED_TOKEN_FILE"]).exists()


def test_a_failed_refresh_keeps_the_previous_token_warns_and_recovers(oidc: FakeOidc, tmp_path: Path) -> None:
    env = token_env(oidc, tmp_path)
    token_file = Path(env["AZURE_FEDERATED_TOKEN_FILE"])
    log = tmp_path / "output.log"
    warning = "::warning title=federated-token::refreshing the GitHub OIDC token failed"
    with log.open("w") as output:
        process = subprocess.Popen([str(FEDERATED_TOKEN), "run"], env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: read(token_file) == fake_jwt(1), seconds=10, what="the first token")
            oidc.status = 503
            wait_for(lambda: warning in read(log), seconds=30, what="the warning of a failed refresh")
            assert read(token_file) == fake_jwt(1)  # the previous token stays until a new one arrives
            oidc.status = 200
            wait_for(lambda: len(oidc.served) >= 2 and read(token_file) == oidc.served[-1], seconds=15,
                     what="the refresh after recovery")
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
    assert process.returncode == 0
    assert_no_token_leaked(read(log), oidc)


@pytest.mark.parametrize(("change", "message"), [
    ({"ACTIONS_ID_TOKEN_REQUEST_TOKEN": ""}, "give the job `permissions: id-token: write`"),
    ({"AZURE_FEDERATED_TOKEN_FILE": ""}, "AZURE_FEDERATED_TOKEN_FILE is not set"),
    ({"FEDERATED_TOKEN_INTERVAL_SECONDS": "300"}, "it must be below 300"),
    ({"FEDERATED_TOKEN_INTERVAL_SECONDS": "2m"}, "give a whole number of seconds"),
])
def test_a_misconfigured_step_is_refused_with_what_to_do(oidc: FakeOidc, tmp_path: Path, change: dict[str, str],
                                                          message: str) -> None:
    env = {**token_env(oidc, tmp_path), **change}
    result = subprocess.run([str(FEDERATED_TOKEN), "start"], env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 1
    assert message in result.stdout + result.stderr


# --- install-kubelogin.sh ---------------------------------------------------------------------------------


def test_the_installer_downloads_the_pinned_release_over_https_and_refuses_an_archive_that_differs(
    tmp_path: Path,
) -> None:
    """A stand-in curl serves a wrong archive: the installer must stop before installing anything."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "curl-argv.log"
    fake_curl = bin_dir / "curl"
    fake_curl.write_text(
        "#!/usr/bin/env bash\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        'while [[ $# -gt 0 ]]; do if [[ $1 == --output ]]; then out=$2; shift; fi; shift; done\n'
        'printf "not the kubelogin release" > "$out"\n'
    )
    fake_curl.chmod(0o755)
    install_dir = tmp_path / "kubelogin-bin"
    github_path = tmp_path / "github-path"
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
           "KUBELOGIN_INSTALL_DIR": str(install_dir), "GITHUB_PATH": str(github_path)}
    result = subprocess.run([str(INSTALL_KUBELOGIN)], env=env, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0 and "this runner is" in result.stdout:
        pytest.skip("the installer pins the x86_64 asset; this machine is another architecture")
    assert result.returncode == 1
    assert "refusing to install" in result.stdout and "::error title=install-kubelogin::" in result.stdout
    assert not install_dir.exists() and not github_path.exists()
    text = INSTALL_KUBELOGIN.read_text(encoding="utf-8")
    (version,) = re.findall(r'^readonly KUBELOGIN_VERSION="(v[\d.]+)"$', text, re.M)
    (digest,) = re.findall(r'^readonly KUBELOGIN_SHA256="([0-9a-f]{64})"$', text, re.M)
    assert digest in result.stdout  # the message names the pin it compared against
    requests = read(log).splitlines()
    base = f"https://github.com/Azure/kubelogin/releases/download/{version}/kubelogin-linux-amd64.zip"
    assert [r.split()[-1] for r in requests] == [base, f"{base}.sha256"]
    assert all("--proto =https" in r and "--proto-redir =https" in r and "--fail" in r for r in requests)
