"""`python -m cloudwarden.docs`: print the compliance reference, docs/compliance.md, rendered from
`compliance/mapping.json` and the rules (the rules' own reference is `cloudwarden rules --format
markdown`). A test fails when the committed file differs from what this prints."""

from __future__ import annotations

import sys

from cloudwarden.report.reference import render_compliance_markdown
from cloudwarden.rules import RULES

if __name__ == "__main__":
    sys.stdout.write(render_compliance_markdown(RULES))
