"""File imports and reports never load the OpenAI SDK: it costs ≈ 25 MB and start-up time, and
only the sync and the governance actions talk to the Admin API."""

from __future__ import annotations

import subprocess
import sys


def test_imports_and_reports_do_not_load_the_openai_sdk() -> None:
    code = (
        "import sys\n"
        "import usage_tracker.services.ledger.imports, usage_tracker.services.reports.totals\n"
        "import usage_tracker.cli.main\n"
        "print('openai' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
