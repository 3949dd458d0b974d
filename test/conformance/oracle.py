#!/usr/bin/env python3
"""The conformance oracle: renders cases with Python's Jinja2 exactly as render-manifest must.

Reads a JSON array of cases on stdin, each {"template": str, "values"?: str (YAML text),
"partials"?: {name: source}}, and writes a JSON array of results in the same order, each
{"output": str} or {"error": "<ExceptionType>: <message>"}. Values are read with yaml.safe_load.
The environment is the one render-manifest promises to match:
Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
keep_trailing_newline=True, autoescape=False). Slipway's extra filters are not registered here.
With --version it prints the jinja2 and PyYAML versions and exits.
"""
import json
import signal
import sys

import jinja2
import yaml
from jinja2 import DictLoader, Environment, StrictUndefined

CASE_TIMEOUT_SECONDS = 10


class CaseTimeout(Exception):
    pass


def _on_alarm(_signum, _frame):
    raise CaseTimeout(f"the case took longer than {CASE_TIMEOUT_SECONDS}s in Jinja2")


def describe(exc):
    return f"{type(exc).__name__}: {exc}"


def render(case):
    try:
        values = yaml.safe_load(case.get("values") or "")
    except Exception as exc:  # noqa: BLE001 - every failure is a result
        return {"valuesError": describe(exc)}
    if values is None:
        values = {}
    if not isinstance(values, dict):
        return {"valuesError": f"TypeError: the values are a {type(values).__name__}, not a mapping"}
    templates = dict(case.get("partials") or {})
    templates["__case__"] = case["template"]
    env = Environment(
        loader=DictLoader(templates),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    signal.alarm(CASE_TIMEOUT_SECONDS)
    try:
        return {"output": env.get_template("__case__").render(values)}
    except Exception as exc:  # noqa: BLE001 - every failure is a result
        return {"error": describe(exc)}
    finally:
        signal.alarm(0)


def main():
    if "--version" in sys.argv[1:]:
        print(json.dumps({"python": sys.version.split()[0], "jinja2": jinja2.__version__, "yaml": yaml.__version__}))
        return
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.setrecursionlimit(5000)
    cases = json.load(sys.stdin)
    json.dump([render(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
