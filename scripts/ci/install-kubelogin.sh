#!/usr/bin/env bash
# Installs a pinned, checksum-verified kubelogin and puts it on the PATH of the job's later steps.
#
# The kubeconfig that the program builds for each cluster (local accounts off, Azure RBAC for Kubernetes)
# runs `kubelogin get-token`, and no GitHub runner image ships kubelogin. In CI the job sets
# AAD_LOGIN_METHOD=workloadidentity, which get-token reads over the kubeconfig's `--login azurecli`
# (Azure/kubelogin pkg/cmd/token.go calls Options.UpdateFromEnv, pkg/internal/token/options.go: "if v, ok :=
# os.LookupEnv(env.LoginMethod); ok { o.LoginMethod = v }", unless the kubeconfig passes
# --disable-environment-override, which ours does not). In that mode kubelogin asks GitHub for a fresh OIDC
# token itself when ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are set (pkg/internal/token/provider.go,
# githubactionscredential.go), and reads AZURE_FEDERATED_TOKEN_FILE otherwise.
#
# Environment:
#   KUBELOGIN_INSTALL_DIR   where the binary goes (default $RUNNER_TEMP/kubelogin/bin)
#   GITHUB_PATH             set by the runner: the install directory is appended so later steps find it
set -euo pipefail

# One place to bump: the release, and the SHA-256 of its kubelogin-linux-amd64.zip.
# v0.2.19 (2026-06-23) is the newest release in Azure/kubelogin's CHANGELOG.md at the time of writing.
# The digest below could not be read from the release itself here (no network to github.com): it is the
# value that two independent public install scripts pin for this asset. The script therefore also downloads
# the release's own published kubelogin-linux-amd64.zip.sha256 and refuses to install unless the archive,
# the pinned digest and the published digest all agree. Once someone has checked the digest against the
# release page, the pinned value alone is the stronger check (a published digest moves with the asset).
readonly KUBELOGIN_VERSION="v0.2.19"
readonly KUBELOGIN_SHA256="ebaeff02aa899c5cae6a2b954b64fc02738185319df2570f7dc053451efa4b2f"
readonly ASSET="kubelogin-linux-amd64.zip"
readonly RELEASE_URL="https://github.com/Azure/kubelogin/releases/download/$KUBELOGIN_VERSION"

fail() {
  printf '::error title=install-kubelogin::%s\n' "$1"
  exit 1
}

machine="$(uname -m)"
[[ "$machine" == "x86_64" ]] || fail "this runner is $machine; the pinned asset is $ASSET (x86_64). Use an x64 runner in the sentimark-azure group, or pin the matching asset and its digest here"

if [[ -n "${KUBELOGIN_INSTALL_DIR:-}" ]]; then
  install_dir="$KUBELOGIN_INSTALL_DIR"
elif [[ -n "${RUNNER_TEMP:-}" ]]; then
  install_dir="$RUNNER_TEMP/kubelogin/bin"
else
  fail "neither KUBELOGIN_INSTALL_DIR nor RUNNER_TEMP is set; set KUBELOGIN_INSTALL_DIR to the directory to install kubelogin into"
fi

work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT

download() {
  # HTTPS only, also after redirects (release assets redirect to another host).
  curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
    --retry 3 --retry-delay 2 --max-time 300 --output "$2" "$1" ||
    fail "could not download $1"
}

download "$RELEASE_URL/$ASSET" "$work/$ASSET"
download "$RELEASE_URL/$ASSET.sha256" "$work/$ASSET.sha256"

actual="$(sha256sum -- "$work/$ASSET" | cut -d' ' -f1)"
published="$(cut -d' ' -f1 <"$work/$ASSET.sha256")"
[[ "$actual" == "$KUBELOGIN_SHA256" ]] ||
  fail "$ASSET $KUBELOGIN_VERSION has SHA-256 $actual, not the pinned $KUBELOGIN_SHA256: refusing to install it. If the release really changed, check it on the release page and update KUBELOGIN_SHA256"
[[ "$published" == "$KUBELOGIN_SHA256" ]] ||
  fail "the release's $ASSET.sha256 says $published, not the pinned $KUBELOGIN_SHA256: refusing to install. Check the release page before changing the pin"

# The archive holds bin/linux_amd64/kubelogin (Azure/kubelogin .github/workflows/release.yml).
unzip -q -o "$work/$ASSET" bin/linux_amd64/kubelogin -d "$work" ||
  fail "$ASSET has no bin/linux_amd64/kubelogin; the release layout changed: check it and update this script"
mkdir -p -- "$install_dir"
install -m 0755 "$work/bin/linux_amd64/kubelogin" "$install_dir/kubelogin"

if [[ -n "${GITHUB_PATH:-}" ]]; then
  printf '%s\n' "$install_dir" >>"$GITHUB_PATH"
fi
printf 'kubelogin %s installed in %s (SHA-256 of %s verified)\n' "$KUBELOGIN_VERSION" "$install_dir" "$ASSET"
"$install_dir/kubelogin" --version
