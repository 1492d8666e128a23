"""Read a Pulumi project directory and one stack's configuration the way the Pulumi CLI hands it over.

The CLI passes each config value to the program as text: strings as they are, booleans and numbers in
their YAML spelling, objects and lists as JSON. Values set with `pulumi config set --secret` are encrypted
(`{secure: v1:...}`) and cannot be decrypted offline; they become placeholders the program sees as
secrets, and the preview says which keys it substituted.

A file the CLI would choke on or misread is refused with a ProjectError naming the file, the key path (or line)
and what is allowed, never a value: bytes that are not UTF-8, keys that are not text or given twice, aliases that
contain themselves or expand past MAX_EXPANDED_VALUES, a misspelt top-level key or project prefix.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_EXPANDED_VALUES", "Project", "ProjectError", "StackConfig", "load_project", "load_stack_config"]

MAX_EXPANDED_VALUES = 100_000
"""The most values a project or stack file may hold once its YAML aliases are expanded. A large stack file holds
a few thousand; a "billion laughs" alias bomb (nine levels of nine aliases, under 1 KB) holds 9^9, and the engine
would exhaust memory copying or serializing it."""

STACK_FILE_KEYS = ("config", "environment", "encryptedkey", "encryptionsalt", "secretsprovider")
"""The top-level keys of a stack file: the fields of the Pulumi CLI's ProjectStack (pulumi/pulumi,
sdk/go/common/workspace/project.go). The CLI ignores any other key; here a misspelt `confg:` would silently
leave the stack without its settings, so it is refused."""


class ProjectError(Exception):
    """The project directory or its stack file cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Project:
    directory: Path
    name: str
    main: Path
    declared: dict[str, dict[str, Any]]
    """Project-level `config:` declarations, by full key (`project:key`)."""


@dataclass(frozen=True)
class StackConfig:
    stack: str
    file: Path
    values: dict[str, str]
    secret_keys: frozenset[str]
    substituted: tuple[str, ...] = ()
    plaintext_secrets: dict[str, str] = field(default_factory=dict)
    """Secret values known in plain text offline (placeholders and test overrides), to check for leaks."""
    secrets_provider: str | None = None
    """The stack file's `secretsprovider` (written by `pulumi stack init --secrets-provider`); None when unset."""


def load_project(directory: str | Path) -> Project:
    directory = Path(directory).resolve()
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProjectError(f"{directory}: no Pulumi.yaml here; pass the directory of a Pulumi project with --project-dir")
    data = _read_yaml(project_file)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{project_file}: `name` is missing; set the project's name")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{project_file}: runtime is {runtime_name!r}; the offline engine runs python projects only")
    main = directory / str(data.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise ProjectError(f"{project_file}: the program {main} does not exist")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise ProjectError(f"{project_file}: `config` must be a mapping of keys to declarations; got {_kind(config)}")
    declared = {_full_key(name, k): (v if isinstance(v, dict) else {"default": v}) for k, v in config.items()}
    return Project(directory=directory, name=name, main=main, declared=declared)


def load_stack_config(
    project: Project,
    stack: str,
    *,
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> StackConfig:
    """The stack's config as the program sees it: project defaults, then the stack file, then overrides.

    `overrides` maps keys to plain values (None removes a key); `secrets` maps keys to plaintext values
    that are handed to the program as secrets (for tests and for CI with decrypted values).
    """
    stack_file = project.directory / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        available = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project.directory.glob("Pulumi.*.yaml"))
        raise ProjectError(f"{stack_file.name}: no such stack file; stacks here: {', '.join(available) or 'none'}")
    raw: dict[str, Any] = {}
    for key, declaration in project.declared.items():
        if "default" in declaration:
            raw[key] = declaration["default"]
    stack_file_data = _read_yaml(stack_file)
    unknown = sorted(set(stack_file_data) - set(STACK_FILE_KEYS))
    if unknown:
        raise ProjectError(_problems(stack_file.name, [
            f"{key}: got an unknown top-level key{_did_you_mean(key, STACK_FILE_KEYS)}; allowed: "
            f"{', '.join(STACK_FILE_KEYS)} (settings go under config:)"
            for key in unknown
        ]))
    stack_data = stack_file_data.get("config") or {}
    if not isinstance(stack_data, dict):
        raise ProjectError(f"{stack_file.name}: `config` must be a mapping of keys to values; got {_kind(stack_data)}")
    key_problems = [p for k in stack_data if (p := _key_problem(project.name, k))]
    if key_problems:
        raise ProjectError(_problems(stack_file.name, key_problems))
    raw.update({_full_key(project.name, k): v for k, v in stack_data.items()})
    for key, value in (overrides or {}).items():
        full = _full_key(project.name, key)
        if value is None:
            raw.pop(full, None)
        else:
            raw[full] = value

    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    substituted: list[str] = []
    plaintext: dict[str, str] = {}
    for key, value in raw.items():
        placeholder = f"offline-placeholder-for-{key.split(':', 1)[1]}"
        converted, had_secure = _replace_secure(value, placeholder)
        if had_secure:
            secret_keys.add(key)
            substituted.append(key)
            plaintext[key] = placeholder
        values[key] = _as_text(converted)
    for key, value in (secrets or {}).items():
        full = _full_key(project.name, key)
        values[full] = value
        secret_keys.add(full)
        plaintext[full] = value
    return StackConfig(
        stack=stack,
        file=stack_file,
        values=values,
        secret_keys=frozenset(secret_keys),
        substituted=tuple(sorted(substituted)),
        plaintext_secrets=plaintext,
        secrets_provider=provider if isinstance(provider := stack_file_data.get("secretsprovider"), str) else None,
    )


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _key_problem(project: str, key: str) -> str | None:
    """What is wrong with a stack file's config key (`project:key`, `provider:key` or a bare `key`), or None.

    Any namespace is a valid key for the Pulumi CLI (providers read theirs: `azure-native:location`), so this
    refuses only namespaces that look like a misspelling of the project's own: a key there is read by nobody,
    and the setting would silently fall back to its default. `load_settings_model` refuses unknown namespaces
    more strictly, knowing which providers the program configures."""
    namespace, colon, name = key.partition(":")
    if colon and (not namespace or not name):
        return f"{key}: got a key with an empty namespace or name; allowed: <namespace>:<name>, e.g. {project}:{name or namespace}"
    if not colon or namespace == project:
        return None
    close = namespace.lower() == project.lower() or difflib.SequenceMatcher(None, namespace.lower(), project.lower()).ratio() >= 0.8
    if not close:
        return None
    return (f"{key}: got the namespace {namespace!r}, which is not this project's; allowed: {project}:<key> for this "
            f"project's settings; did you mean {project}:{name}?")


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _problems(file: str, problems: list[str]) -> str:
    """One problem as one line (`file: path: got ...; allowed: ...`); several under a heading, every one at once."""
    if len(problems) == 1:
        return f"{file}: {problems[0]}"
    return "\n".join([f"{len(problems)} problems in {file}; nothing was registered:", *(f"  - {file}: {p}" for p in problems)])


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number", float: "a number",
            type(None): "nothing"}.get(type(value), type(value).__name__)


_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"
# What a plain YAML 1.1 scalar used as a key resolves to when it is not text, for the message: `on:`, `yes:`
# and `no:` are booleans in YAML 1.1 (PyYAML and the Pulumi CLI's gopkg.in/yaml.v2 alike), `2026-01-01:` a date.
_KEY_KINDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}


class _FileProblemError(Exception):
    """Something wrong in a YAML file, found while composing it; `_read_yaml` names the file."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, failing fast on aliases that contain themselves or expand without bound.

    PyYAML makes an alias a reference to its anchored node, so a 9-level "billion laughs" file loads in
    milliseconds into a few shared lists; what blows up is the first deep copy or JSON dump of the result
    (`_replace_secure`, `_as_text`). So each node's expanded size is counted as the document is composed
    (memoized per node: linear in the file's length), and composing stops once one passes MAX_EXPANDED_VALUES.
    An alias inside the node it names (`a: &x [*x]`) would build a list that contains itself (infinite
    recursion downstream); it is refused where it appears.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.sizes: dict[int, int] = {}
        self.open_anchors: list[str] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.open_anchors:
            raise _FileProblemError(
                f"line {event.start_mark.line + 1}: got the alias *{event.anchor} inside the value &{event.anchor} it "
                "refers to (a value that contains itself); allowed: aliases to a value defined before and outside them"
            )
        opens = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)) and event.anchor is not None
        if opens:
            self.open_anchors.append(event.anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            if opens:
                self.open_anchors.pop()
        if id(node) not in self.sizes:
            if isinstance(node, yaml.SequenceNode):
                children = node.value
            elif isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            else:
                children = []
            size = 1 + sum(self.sizes.get(id(child), 1) for child in children)
            self.sizes[id(node)] = size
            if size > MAX_EXPANDED_VALUES:
                raise _FileProblemError(
                    f"line {node.start_mark.line + 1}: got aliases that expand to {size:,} values; allowed: at most "
                    f"{MAX_EXPANDED_VALUES:,} values once aliases are expanded (an alias bomb? write the values out)"
                )
        return node


def _format_path(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _check_keys(node: Any, path: list[str | int], problems: list[str], seen: set[int]) -> None:
    """Refuse keys that are not text and keys given twice, naming the key path and line (never a value)."""
    if id(node) in seen:  # an alias: checked where its anchor is
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_keys(item, [*path, index], problems, seen)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    first_line: dict[str, int] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        if key.tag == _MERGE:  # `<<: *defaults`: keys given beside it override the merged ones (YAML merge keys)
            _check_keys(value, path, problems, seen)
            continue
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
            if isinstance(key, yaml.ScalarNode):
                text = key.value if len(key.value) <= 40 else key.value[:40] + "…"
                got = f"the key {text} ({_KEY_KINDS.get(key.tag, 'not text')}, line {line})"
                fix = f"; quote it ('{text}') if it is meant as text" if key.tag in _KEY_KINDS else ""
            else:
                got, fix = f"{'a list' if isinstance(key, yaml.SequenceNode) else 'a mapping'} as a key (line {line})", ""
            problems.append(f"{_format_path(path)}: got {got}; allowed: text keys{fix}")
            _check_keys(value, path, problems, seen)
            continue
        if key.value in first_line:
            # PyYAML keeps the last of two equal keys without a word. Go's gopkg.in/yaml.v3, which current Pulumi
            # CLIs import to read project files (pulumi/pulumi sdk/go/common/workspace/project.go), refuses them:
            # "mapping key ... already defined at line N" (older CLIs on yaml.v2 kept the last, as PyYAML does).
            problems.append(
                f"{_format_path([*path, key.value])}: got the key a second time (line {line}; first at line "
                f"{first_line[key.value]}); allowed: each key once in a mapping: remove one of them"
            )
        else:
            first_line[key.value] = line
        _check_keys(value, [*path, key.value], problems, seen)


def _read_yaml(path: Path) -> dict[str, Any]:
    """A project or stack file as a mapping, refusing what PyYAML would accept silently or choke on: bytes
    that are not UTF-8, keys that are not text, duplicate keys, self-referring and exploding aliases."""
    data_bytes = path.read_bytes()
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data_bytes.count(b"\n", 0, error.start) + 1
        raise ProjectError(
            f"{path.name}: byte offset {error.start} (line {line}): got the byte 0x{data_bytes[error.start]:02x}, which "
            "is not UTF-8; allowed: UTF-8 text (save the file as UTF-8)"
        ) from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        problems: list[str] = []
        _check_keys(node, [], problems, set())
        if problems:
            if path.name != "Pulumi.yaml":  # a stack file's key paths as the settings errors name them
                problems = [p.removeprefix("config.") for p in problems]
            raise ProjectError(_problems(path.name, problems))
        data = loader.construct_document(node)
    except _FileProblemError as problem:
        raise ProjectError(f"{path.name}: {problem}") from None
    except yaml.MarkedYAMLError as error:
        # PyYAML's own text quotes the offending line, which may hold a secret: say where, not what.
        where = f" at line {error.problem_mark.line + 1}, column {error.problem_mark.column + 1}" if error.problem_mark else ""
        context = f" ({error.context})" if error.context else ""
        raise ProjectError(f"{path.name}: not valid YAML: {error.problem}{context}{where}") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path.name}: not valid YAML: {error}") from None
    except RecursionError:
        raise ProjectError(f"{path.name}: got values nested too deeply to read; allowed: a few levels of nesting") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ProjectError(f"{path.name}: expected a mapping at the top level; got {_kind(data)}")
    return data


def _replace_secure(value: Any, placeholder: str) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return placeholder, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], had = _replace_secure(v, placeholder)
            found = found or had
        return out, found
    if isinstance(value, list):
        pairs = [_replace_secure(v, placeholder) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def _as_text(value: Any) -> str:
    # The CLI's spelling: YAML scalars as text, structures as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)
