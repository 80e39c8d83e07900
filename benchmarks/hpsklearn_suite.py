"""Run hyperopt-sklearn's own test suite against hpsk through an import shim.

The suite is not part of hpsk: fetch hyperopt-sklearn's repository yourself
(any checkout with its ``tests/`` folder) and point this script at it::

    python benchmarks/hpsklearn_suite.py /path/to/hyperopt-sklearn [--json out.json] [-- PYTEST ARGS]

The shim is three tiny packages written to a temporary folder and put first on
``PYTHONPATH``; they only rename modules, so every test exercises hpsk itself:

- ``hpsklearn``: ``from hpsk import *`` (the estimator and every component are
  top-level names in hpsk, as in hyperopt-sklearn);
- ``hyperopt``: hpsk's ``hp``, ``fmin``, ``Trials``, ``tpe``, ``rand``, ``anneal``, ``STATUS_*``,
  ``hyperopt.exceptions.AllTrialsFailed``;
- ``hyperopt.pyll``: ``as_apply`` from ``hpsk.hp`` (a plain dict is already a space).

It prints one line per test that did not pass and the totals, and writes them
as JSON (default ``benchmarks/results/hpsklearn_suite.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

SHIM = {
    "hpsklearn/__init__.py": "from hpsk import *  # noqa: F401,F403\nfrom hpsk import __all__  # noqa: F401\n",
    "hpsklearn/components/__init__.py": "from hpsk.components import *  # noqa: F401,F403\n",
    "hpsklearn/estimator/__init__.py": "from hpsk import HyperoptEstimator as hyperopt_estimator  # noqa: F401\n"
                                       "from hpsk import HyperoptEstimator  # noqa: F401\n",
    "hyperopt/__init__.py": ("from hpsk import (STATUS_FAIL, STATUS_OK, Trials, anneal, fmin, hp,  # noqa: F401\n"
                             "                  mix, rand, space_eval, tpe)\n"
                             "from hpsk.hp import as_apply  # noqa: F401\n"),
    "hyperopt/exceptions.py": "from hpsk.exceptions import AllTrialsFailed  # noqa: F401\n",
    "hyperopt/pyll/__init__.py": "from hpsk.hp import as_apply  # noqa: F401\n",
}

_RESULT = re.compile(r"^(?P<test>\S+::\S+) (?P<outcome>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)")


def write_shim(folder: str) -> None:
    for path, text in SHIM.items():
        full = os.path.join(folder, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", help="a hyperopt-sklearn checkout with its tests/ folder")
    parser.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results",
                                                       "hpsklearn_suite.json"))
    args, pytest_args = parser.parse_known_args()
    pytest_args = [a for a in pytest_args if a != "--"]  # the rest goes to pytest
    if not os.path.isdir(os.path.join(args.checkout, "tests")):
        parser.error(f"{args.checkout!r} has no tests/ folder")
    with tempfile.TemporaryDirectory() as shim:
        write_shim(shim)
        env = dict(os.environ, COLUMNS="400", PYTHONPATH=os.pathsep.join([shim, os.path.abspath(args.checkout)]))
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-o",
                              "addopts=", "-W", "ignore", "tests", "-v", *pytest_args],
                             cwd=args.checkout, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    outcomes: dict[str, str] = {}
    for line in run.stdout.splitlines():
        match = _RESULT.match(line)
        if match:
            outcomes[match["test"]] = match["outcome"]
    failures = re.findall(r"^(?:FAILED|ERROR) (\S+)(?: - (.*))?$", run.stdout, re.MULTILINE)
    reasons = {test: (reason or "")[:300] for test, reason in failures}
    passed = sum(1 for o in outcomes.values() if o == "PASSED")
    for test, outcome in sorted(outcomes.items()):
        if outcome != "PASSED":
            print(f"{outcome:7} {test}  {reasons.get(test, '')}")
    print(f"{passed} passed of {len(outcomes)} in {seconds:.0f} s")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump({"passed": passed, "total": len(outcomes), "seconds": round(seconds, 1),
                   "outcomes": outcomes, "reasons": reasons}, handle, indent=1, sort_keys=True)
    if not outcomes:
        print(run.stdout[-3000:], run.stderr[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
