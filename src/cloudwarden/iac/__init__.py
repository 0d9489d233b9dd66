"""Infrastructure as code: Terraform plans and CloudFormation templates judged by the same rules as a
live account, before anything is deployed.

One direction, as for a scan: files are read (`iac.sources`, `iac.terraform`, `iac.cloudformation`)
into documents (`iac.model`), translated into snapshot records (`iac.translate` and its families:
`iac.s3`, `iac.network`, `iac.trail`, `iac.dns`, `iac.users`), optionally laid over a collected
snapshot (`--snapshot`: `Draft.live` in `iac.translate`, `iac.build`), judged by the engine's rules, and
the findings pointed back at the code (`iac.findings`). Nothing here calls AWS.
"""
