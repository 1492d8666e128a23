#!/usr/bin/env bash
# Keeps a fresh GitHub OIDC token in $AZURE_FEDERATED_TOKEN_FILE for the whole of a long `pulumi up`.
#
#   federated-token.sh start   fetch a token now (the step fails if that fails), then refresh it in a
#                              background process; its pid and log sit beside the token file
#   federated-token.sh stop    stop that process and print its log (run it with `if: always()`)
#   federated-token.sh run     fetch, then refresh in the foreground until killed (what `start` runs)
#
# Why: GitHub's OIDC token is valid for about 5 minutes (Azure/login#372: "The GitHub OIDC provider issues a
# JWT ID token with a 5-minute expiration time"), and the Azure CLI cannot refresh it (Azure/azure-cli#28708,
# AADSTS700024). The azblob state backend and the azurekeyvault secrets provider (gocloud.dev, through
# azidentity.NewDefaultAzureCredential: google/go-cloud blob/azureblob/azureblob.go and
# secrets/azurekeyvault/akv.go) use azidentity's WorkloadIdentityCredential, which reads
# AZURE_FEDERATED_TOKEN_FILE again when it needs a new Entra token (Azure/azure-sdk-for-go
# sdk/azidentity/workload_identity.go). So a file that is rewritten with a fresh assertion keeps them working
# for hours, with no secret stored anywhere. (kubelogin in `workloadidentity` mode asks GitHub for fresh
# tokens itself when ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are set, and reads this file otherwise: Azure/kubelogin
# pkg/internal/token/provider.go.)
#
# The interval: a token in the file is at most FEDERATED_TOKEN_INTERVAL_SECONDS old when a credential reads
# it, so with the default of 120 s it has about 3 of its 5 minutes left. azidentity then reuses what it read
# for 10 minutes before reading the file again (workload_identity.go, written for Kubernetes tokens that live
# an hour); that only matters for a second Entra exchange by the same credential inside those 10 minutes,
# which the backend and the secrets provider do not make (each asks for one scope, and its access token
# lives 60 to 90 minutes).
#
# Environment:
#   ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN   set by the runner when the job has
#                                     `permissions: id-token: write`
#   AZURE_FEDERATED_TOKEN_FILE        where the token goes (under $RUNNER_TEMP, which the runner empties at
#                                     the start and end of every job)
#   FEDERATED_TOKEN_INTERVAL_SECONDS  seconds between refreshes (default 120)
#   FEDERATED_TOKEN_RETRY_SECONDS     seconds before another try after a failed refresh (default 10)
#
# Neither the token nor the request token is ever printed, traced or put on a command line (other processes
# on the runner can read command lines): curl reads its request header from standard input.
set -euo pipefail
set +x # never trace: a trace would print the tokens

readonly AUDIENCE="api%3A%2F%2FAzureADTokenExchange" # api://AzureADTokenExchange, what Entra expects
readonly JWT_SHAPE='^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'

fail() {
  # A workflow command: GitHub shows it as an error annotation on the step.
  printf '::error title=federated-token::%s\n' "$1"
  exit 1
}

warn() {
  printf '::warning title=federated-token::%s\n' "$1"
}

interval="${FEDERATED_TOKEN_INTERVAL_SECONDS:-120}"
retry="${FEDERATED_TOKEN_RETRY_SECONDS:-10}"
[[ "$interval" =~ ^[1-9][0-9]*$ ]] || fail "FEDERATED_TOKEN_INTERVAL_SECONDS: got '$interval'; give a whole number of seconds below 300 (GitHub's token lives about 5 minutes)"
((interval < 300)) || fail "FEDERATED_TOKEN_INTERVAL_SECONDS: got $interval; it must be below 300, or the file holds expired tokens (GitHub's token lives about 5 minutes)"
[[ "$retry" =~ ^[1-9][0-9]*$ ]] || fail "FEDERATED_TOKEN_RETRY_SECONDS: got '$retry'; give a whole number of seconds"

for tool in curl jq; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (GitHub's Ubuntu runner images have it); install it before this step"
done

token_file="${AZURE_FEDERATED_TOKEN_FILE:-}"
[[ -n "$token_file" ]] || fail "AZURE_FEDERATED_TOKEN_FILE is not set; set it on the step, e.g. \${{ runner.temp }}/azure-federated-token"
pid_file="$token_file.pid"
log_file="$token_file.log"

fetch_token() {
  # One fresh token into $token_file, replaced atomically (a reader sees the old file or the new one, never
  # half of one). Returns non-zero, with a reason on stderr, when GitHub did not give a token.
  local url response token tmp
  if [[ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" || -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]]; then
    # shellcheck disable=SC2016 # the backquotes are literal: they quote YAML in the message
    printf 'ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set: give the job `permissions: id-token: write` (a pull request from a fork never gets them)\n' >&2
    return 1
  fi
  url="$ACTIONS_ID_TOKEN_REQUEST_URL"
  if [[ "$url" == *\?* ]]; then url="$url&audience=$AUDIENCE"; else url="$url?audience=$AUDIENCE"; fi
  # The request token goes in through curl's config on stdin (printf is a shell builtin: no command line).
  if ! response="$(printf 'header = "Authorization: bearer %s"\nurl = "%s"\n' "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$url" |
    curl --config - --fail --silent --show-error --max-time 30 --retry 2 --retry-delay 2 \
      --header 'Accept: application/json; api-version=2.0')"; then
    printf 'the GitHub OIDC token request failed (see curl'"'"'s message above)\n' >&2
    return 1
  fi
  if ! token="$(printf '%s' "$response" | jq -j '.value // empty' 2>/dev/null)" || [[ -z "$token" ]]; then
    printf 'GitHub answered without a token (no "value" in the JSON response)\n' >&2
    return 1
  fi
  if [[ ! "$token" =~ $JWT_SHAPE ]]; then
    printf 'GitHub answered with a value that is not a JWT (header.payload.signature)\n' >&2
    return 1
  fi
  # (`set -e` does not apply inside a function called from `if`: every step checks its own status.)
  tmp="$(mktemp "$(dirname -- "$token_file")/.federated-token.XXXXXX")" || return 1
  # No trailing newline: azidentity sends the file's content as the client assertion verbatim.
  printf '%s' "$token" >"$tmp" || { rm -f -- "$tmp"; return 1; }
  mv -f -- "$tmp" "$token_file" || { rm -f -- "$tmp"; return 1; }
}

sleeper=""
on_signal() {
  if [[ -n "$sleeper" ]]; then kill "$sleeper" 2>/dev/null || true; fi
  printf 'federated-token: stopped (pid %s)\n' "$$"
  exit 0
}

refresh_forever() {
  trap on_signal TERM INT HUP
  local wait_seconds="$interval"
  while true; do
    # `sleep & wait`: bash runs a trap only between commands, and `wait` returns at once on a signal.
    sleep "$wait_seconds" &
    sleeper=$!
    wait "$sleeper" || true
    sleeper=""
    if fetch_token; then
      printf 'federated-token: refreshed at %s\n' "$(date -u +%H:%M:%SZ)"
      wait_seconds="$interval"
    else
      warn "refreshing the GitHub OIDC token failed; the file keeps the previous one; trying again in ${retry}s"
      wait_seconds="$retry"
    fi
  done
}

first_fetch() {
  umask 077
  mkdir -p -- "$(dirname -- "$token_file")"
  fetch_token || fail "could not get a GitHub OIDC token for audience api://AzureADTokenExchange; nothing that needs Azure can run"
  printf 'federated-token: wrote a fresh token to %s; refreshing every %ss\n' "$token_file" "$interval"
}

command="${1:-run}"
case "$command" in
  run)
    first_fetch
    refresh_forever
    ;;
  start)
    first_fetch
    # The refresher must not hold the step's output open (the runner would wait for it): it writes to a
    # log file, which `stop` prints. The runner ends it at the latest when the job ends ("Cleaning up orphan
    # processes", by RUNNER_TRACKING_ID).
    nohup "$BASH" "$0" refresh </dev/null >>"$log_file" 2>&1 &
    printf '%s\n' "$!" >"$pid_file"
    printf 'federated-token: refresher running as pid %s; its log: %s\n' "$!" "$log_file"
    ;;
  refresh)
    umask 077
    refresh_forever
    ;;
  stop)
    if [[ -f "$pid_file" ]]; then
      pid="$(<"$pid_file")"
      if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      rm -f -- "$pid_file"
    fi
    if [[ -f "$log_file" ]]; then cat -- "$log_file"; fi
    ;;
  *)
    fail "unknown command '$command'; use start, stop or run"
    ;;
esac
