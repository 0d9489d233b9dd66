"""`cloudwarden fix`: remediation plans from a report's FAIL findings, applied only on request,
journaled and reversible."""
