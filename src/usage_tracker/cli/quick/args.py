"""The arguments of `report summary`, read the way click reads them, or None to decline.

Only the plain forms are read: `--since DAY`, `--since=DAY`, `-f json`, `-fjson`. Anything else
— another command, `--help`, an unknown or repeated option, an empty value or one starting with
`-`, a positional argument, `--` — is declined, and the Typer app handles it (and its errors).
"""

from __future__ import annotations

# option → parameter of `report summary` (a test holds these equal to the Typer command's)
OPTIONS = {
    "--since": "since",
    "--until": "until",
    "--org": "org",
    "--project": "project",
    "--user": "user",
    "--model": "model",
    "--key": "api_key",
    "--api-key": "api_key",
    "--format": "fmt",
    "-f": "fmt",
}
FORMATS = ("table", "json", "csv")


def summary_args(argv: list[str]) -> dict[str, str] | None:
    """`argv` (without the program name) as `report summary`'s parameters, or None."""
    if argv[:2] != ["report", "summary"]:
        return None
    found: dict[str, str] = {}
    rest = argv[2:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg.startswith("--") and "=" in arg:
            option, value = arg.split("=", 1)
        elif arg.startswith("-f") and len(arg) > 2 and not arg.startswith("--"):
            option, value = "-f", arg[2:]
        elif arg in OPTIONS and i + 1 < len(rest):
            option, value = arg, rest[i + 1]
            i += 1
        else:
            return None
        name = OPTIONS.get(option)
        if name is None or name in found or not value or value.startswith("-"):
            return None
        found[name] = value
        i += 1
    fmt = found.get("fmt", "table").lower()  # a case-insensitive choice
    if fmt not in FORMATS:
        return None
    found["fmt"] = fmt
    return found
