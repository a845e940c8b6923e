"""The YAML line index: where each key of feeds.yaml sits, so every problem can name its line."""

from __future__ import annotations

import yaml

# YAML 1.1 reads these bare words as booleans; in a country code or a name that is never what is meant.
_YAML_BOOL_WORDS = {"y", "yes", "n", "no", "on", "off"}


class LineIndex:
    """Every path in a YAML tree mapped to its line, and the bare yes/no words YAML read as booleans."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.lines: dict[tuple, int] = {}
        self.bool_words: dict[tuple, str] = {}
        self.duplicates: list[str] = []  # "line 9: feeds[0].url: given twice (lines 7 and 9) …"
        if node is not None:
            self._walk(node, ())

    def _walk(self, n: yaml.Node, path: tuple) -> None:
        self.lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key, value in n.value:
                line = key.start_mark.line + 1
                if key.value in seen:  # YAML keeps the last silently; a typo'd copy is never meant
                    first = seen[key.value]
                    self.duplicates.append(
                        f"line {line}: {dotted((*path, key.value))}: given twice (lines {first} and {line}); "
                        "keep one"
                    )
                seen.setdefault(key.value, line)
                self._walk(value, (*path, key.value))
                self.lines[(*path, key.value)] = line
        elif isinstance(n, yaml.SequenceNode):
            for i, value in enumerate(n.value):
                self._walk(value, (*path, i))
        elif (
            isinstance(n, yaml.ScalarNode)
            and n.style is None
            and n.tag == "tag:yaml.org,2002:bool"
            and n.value.lower() in _YAML_BOOL_WORDS
        ):
            self.bool_words[path] = n.value

    def line_of(self, path: tuple) -> int:
        """The line of a path, or of its nearest ancestor that is in the file."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1

    def at(self, path: tuple, msg: str) -> str:
        """One problem as 'line N: where: what'."""
        return f"line {self.line_of(path)}: {dotted(path)}: {msg}"


def dotted(path: tuple) -> str:
    """A path as people write it: reports[0].sections[2].name."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
