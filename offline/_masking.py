"""Plan values as a pull-request comment may show them: secrets masked, long values shortened.

A comment on a pull request is readable by everyone who can read the repository, and its edits stay in the
comment's history. So a value is shown as `[secret]` when the plan already masks it (a Pulumi secret), when its
key (or any key above it) looks like a credential, when it belongs to a Kubernetes Secret's data, or when the
text itself looks like one (a connection string with a key, a SAS signature, a PEM private key, a JWT). The
key rule errs on the side of masking: a public SSH key shows as `[secret]` too.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from typing import Any

from sentimark_platform.offline.plan import SECRET

__all__ = ["MAX_VALUE_CHARS", "is_secret_path", "looks_secret_key", "mask", "may_be_secret_key", "render", "render_pair"]

MAX_VALUE_CHARS = 160
"""A rendered value longer than this is cut, with the number of characters left out."""

# Words that name a credential. "key" is a word of its own ("primaryKey", "keyData"); Key Vault is a service.
_SECRET_WORDS = frozenset({
    "password", "passwords", "passwd", "pwd", "passphrase", "secret", "secrets", "key", "keys", "token", "tokens",
    "credential", "credentials", "kubeconfig", "sas", "pat",
})
_SECRET_PHRASES = ("connectionstring", "kubeconfig", "privatekey", "clientsecret")
# A key whose last word is one of these names or configures the secret, and holds no secret value:
# `secretName`, `keyVaultId`, `passwordAuth`, `enableSecretRotation`, `tokenType`, `keySource`.
_NOT_A_VALUE = frozenset({
    "name", "names", "id", "ids", "uri", "uris", "url", "urls", "type", "types", "kind", "size", "version",
    "source", "enabled", "provider", "rotation", "auth", "mode", "policy", "expiry", "expiration",
})
_KEY_VAULT = re.compile(r"key[\s_-]?vault", re.IGNORECASE)
_SECRET_VOCABULARY = sorted(_SECRET_WORDS | set(_SECRET_PHRASES))
"""What a misspelt word is compared with (`may_be_secret_key`)."""
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_TEXT = re.compile(
    r"AccountKey=|SharedAccessKey=|SharedAccessSignature|(?:^|;)\s*(?:Password|Pwd)=|[?&]sig=|\bBearer\s+\S{16,}|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\beyJ[\w-]{8,}\.[\w-]{8,}\.",
    re.IGNORECASE,
)
# Objects whose payload is secret whatever its keys are called.
_SECRET_SUBTREES = {
    "kubernetes:core/v1:Secret": ("data", "stringData"),
}


def looks_secret_key(key: str) -> bool:
    """`administratorLoginPassword`, `clientSecret`, `primaryKey`, `connectionString`, `kubeconfig`: yes;
    `secretName`, `keyVaultId`, `passwordAuth`, `azureKeyvaultSecretsProvider`: no."""
    normalized = _KEY_VAULT.sub("Vault", key)
    words = [w.lower() for w in _WORDS.findall(normalized)]
    if not words or words[-1] in _NOT_A_VALUE:
        return False
    compact = "".join(words)
    return any(w in _SECRET_WORDS for w in words) or any(p in compact for p in _SECRET_PHRASES)


def may_be_secret_key(key: str) -> bool:
    """`looks_secret_key`, or would with a typo in one of its words fixed (`postgresPasword`, `clientSecert`): for
    a key nobody reads, whose value must not be echoed either."""
    if looks_secret_key(key):
        return True
    fixed = []
    for word in _WORDS.findall(key):
        close = difflib.get_close_matches(word.lower(), _SECRET_VOCABULARY, n=1, cutoff=0.8) if len(word) >= 5 else []
        fixed.append(close[0].capitalize() if close else word)
    return looks_secret_key("".join(fixed))


_NAMED_VALUES = ("value", "secureValue")
"""Keys that hold the value of a name/value pair (a container's `env`, a deployment script's
`environmentVariables`): secret when the pair's `name` is."""


def _secret_pair(item: Any) -> bool:
    # looks_secret_key reads DB_PASSWORD and db-password as words too.
    return isinstance(item, dict) and isinstance(item.get("name"), str) and looks_secret_key(item["name"])


def is_secret_path(resource_type: str, path: Sequence[str | int], inputs: Any = None) -> bool:
    """Whether the value at `path` (inside a resource's inputs) must be masked because of where it is: under a
    secret-looking key, in a secret subtree, or as the value of a name/value pair whose name looks secret (give
    `inputs`, the resource's inputs, for that last check)."""
    subtrees = _SECRET_SUBTREES.get(resource_type, ())
    if path and path[0] in subtrees:
        return True
    if any(isinstance(segment, str) and looks_secret_key(segment) for segment in path):
        return True
    node = inputs
    for index, segment in enumerate(path):
        if segment in _NAMED_VALUES and _secret_pair(node):
            return True
        try:
            node = node[segment]
        except (KeyError, IndexError, TypeError):
            break
        if index == len(path) - 1:
            break
    return False


def mask(value: Any, *, secret: bool = False) -> Any:
    """A copy of `value` with every secret part replaced by `[secret]` (nested keys and texts included)."""
    if secret or value == SECRET:
        return SECRET
    if isinstance(value, dict):
        pair = _secret_pair(value)
        return {k: mask(v, secret=looks_secret_key(str(k)) or (pair and k in _NAMED_VALUES)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str) and _SECRET_TEXT.search(value):
        return SECRET
    return value


def _json(value: Any) -> str:
    return SECRET if value == SECRET else json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _shorten(text: str, limit: int) -> str:
    """Cut the middle out of a long text, saying how much: both ends tell values apart (an Azure resource ID
    differs at its end)."""
    if len(text) <= limit:
        return text
    head = max(limit // 2 - 10, 10)
    tail = max(limit - head - 20, 10)
    return f"{text[:head]}…[{len(text) - head - tail} chars]…{text[-tail:]}"


def render(value: Any, *, limit: int = MAX_VALUE_CHARS) -> str:
    """A masked value as compact JSON (`"Deny"`, `3`, `true`, `{"a":1}`); a longer one loses its middle, with
    a marker that counts the characters left out."""
    return _shorten(_json(value), limit)


def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _elide(text: str, prefix: int, suffix: int, *, start: int = 12, context: int = 24, end: int = 12) -> str:
    """`text` with the middle of its shared prefix and of its shared suffix replaced by markers, keeping
    `context` characters on both sides of the part that differs."""
    pieces, position = [], 0
    if prefix - context - start > 20:
        pieces += [text[:start], f"…[{prefix - context - start} same chars]…"]
        position = prefix - context
    tail_from, tail_to = len(text) - suffix + context, len(text) - end
    if tail_to - tail_from > 20 and tail_from >= position:
        pieces += [text[position:tail_from], f"…[{tail_to - tail_from} same chars]…", text[tail_to:]]
    else:
        pieces.append(text[position:])
    return "".join(pieces)


def render_pair(old: Any, new: Any, *, limit: int = MAX_VALUE_CHARS) -> tuple[str, str]:
    """Old and new value for `old → new`. Where long texts share a beginning or an end (two resource IDs in one
    subscription), the shared parts are elided first, so that what differs stays visible."""
    before, after = _json(old), _json(new)
    if len(before) > limit or len(after) > limit:
        prefix = _common_prefix(before, after)
        suffix = min(_common_prefix(before[::-1], after[::-1]), min(len(before), len(after)) - prefix)
        before, after = _elide(before, prefix, suffix), _elide(after, prefix, suffix)
    return _shorten(before, limit), _shorten(after, limit)
