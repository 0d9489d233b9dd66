"""Start the emulator in a child process and drive it over HTTP."""

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import boto3
import botocore.config
import botocore.session
import msgspec

from cloudwarden_emulator.state import (
    DEFAULT_ACCOUNT,
    DEFAULT_ERROR_CODE,
    DEFAULT_ERROR_MESSAGE,
    FAULT_KINDS,
    READY_PREFIX,
    ErrorRule,
    FaultKind,
    Faults,
    MalformedBody,
    PageSize,
    ReservedCname,
    RootState,
    TrailDeliveryError,
)

START_TIMEOUT = 30.0
REGION = "us-east-1"
ACCESS_KEY = "testing"
"""Unknown to moto's IAM, so moto serves requests signed with it from DEFAULT_ACCOUNT."""
SECRET_KEY = "testing"
ENTRY_ROLE = "OrganizationAccountAccessRole"
"""The role AWS Organizations creates in member accounts, which auditors assume to enter them."""
IMPORT_ROOT = Path(__file__).resolve().parent.parent
"""Put first on the child's PYTHONPATH, so it runs this copy of the package however the parent found it."""

# Control requests go straight to 127.0.0.1, whatever proxy the environment names.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _drop_account_host_label(request: Any, **_: Any) -> None:
    """S3 Control prefixes the host with the account id, which cannot resolve on 127.0.0.1."""
    parts = urllib.parse.urlsplit(request.url)
    label, dot, rest = parts.netloc.partition(".")
    if dot and label.isdigit():
        request.url = urllib.parse.urlunsplit(parts._replace(netloc=rest))


class EmulatorError(RuntimeError):
    """The emulator did not start, or refused a control request."""


def _isolated_session() -> boto3.session.Session:
    """A session blind to the developer's AWS profile and config files, which could redirect it.

    One per emulator: a botocore session loads and caches the service models, so a client made
    from a fresh session costs about half a second, and one from a shared session a few
    milliseconds. Credentials are given to each client, never set on the shared session."""
    botocore_session = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return boto3.session.Session(botocore_session=botocore_session)


class Emulator:
    """AWS emulated by moto in a child process, so moto's botocore hooks never load in this one."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._endpoint: str | None = None
        self._session: boto3.session.Session | None = None
        self._sessions = threading.Lock()
        # Owns the process and its stderr file from start() to stop().
        self._resources = contextlib.ExitStack()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """Base URL of the emulator, such as `http://127.0.0.1:50123`."""
        if self._endpoint is None:
            raise EmulatorError("the emulator is not running")
        return self._endpoint

    def start(self) -> None:
        """Spawn the emulator and wait until it accepts requests."""
        if self._process is not None:
            raise EmulatorError("the emulator is already running")
        # A file rather than a pipe: nobody drains stderr while the emulator runs.
        stderr = self._resources.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by stop)
        pythonpath = os.pathsep.join(filter(None, [str(IMPORT_ROOT), os.environ.get("PYTHONPATH")]))
        # MOTO_ACCOUNT_ID would override moto's mapping of access keys to accounts.
        environment = {k: v for k, v in os.environ.items() if k != "MOTO_ACCOUNT_ID"}
        # Moto loads a catalogue of public AMIs into every EC2 region it creates, again after each
        # reset: about 0.1 s a region, and nothing here reads images.
        environment["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        self._process = self._resources.enter_context(
            subprocess.Popen(
                [sys.executable, "-m", "cloudwarden_emulator", "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=environment | {"PYTHONPATH": pythonpath},
            )
        )
        try:
            self._endpoint = self._await_ready(self._process, stderr)
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _await_ready(process: subprocess.Popen[bytes], stderr: IO[bytes]) -> str:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if selector.select(timeout=START_TIMEOUT):
                line = process.stdout.readline().decode()
                if line.startswith(READY_PREFIX):
                    return line.removeprefix(READY_PREFIX).strip()
                problem = f"printed {line!r}" if line else "exited"
            else:
                problem = f"did not start within {START_TIMEOUT:.0f} s"
        stderr.seek(0)
        detail = stderr.read().decode(errors="replace")
        raise EmulatorError(f"the emulator {problem}; its stderr:\n{detail}")

    def stop(self) -> None:
        """Terminate the emulator; all its state is lost. Does nothing when it is not running."""
        if self._process is not None:
            self._process.terminate()
        self._process, self._endpoint = None, None
        self._resources.close()

    def _control(self, method: str, path: str, body: msgspec.Struct | None = None) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/_cloudwarden/{path}",
            method=method,
            data=None if body is None else msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        )
        try:
            with _LOCAL.open(request, timeout=30) as response:
                response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read().decode(errors="replace")
            raise EmulatorError(f"{method} /_cloudwarden/{path} failed: {detail}") from error

    def reset(self) -> None:
        """Forget all resources, root states, delivery errors, reserved CNAMEs, error rules, faults and
        page sizes.

        Every account is reset, and latency goes back to 0.
        """
        self._control("POST", "reset")

    def set_root(self, account_id: str, root: RootState) -> None:
        """Give an account's root user these credentials."""
        self._control("PUT", f"root/{account_id}", root)

    def set_trail_delivery_error(self, trail_arn: str, error: str | None) -> None:
        """Make GetTrailStatus report that delivering the trail's logs fails with `error` (None: succeeds).

        The trail is named by its ARN, so an organization trail fails alike in every
        member account; the error stays until changed or `reset()`.
        """
        self._control("PUT", "trail-delivery-error", TrailDeliveryError(trail_arn=trail_arn, error=error))

    def reserve_beanstalk_cname(self, prefix: str, region: str = REGION) -> None:
        """Let an environment outside the emulated accounts hold `<prefix>.<region>.elasticbeanstalk.com`.

        CheckDNSAvailability then reports the prefix as unavailable in that region, and
        CreateEnvironment refuses it, until `reset()`.
        """
        self._control("POST", "beanstalk-cnames", ReservedCname(prefix=prefix, region=region))

    def inject_error(
        self,
        service: str,
        operation: str | None = None,
        *,
        code: str = DEFAULT_ERROR_CODE,
        message: str = DEFAULT_ERROR_MESSAGE,
        account: str | None = None,
        status: int | None = None,
        method: str | None = None,
        path_regex: str | None = None,
        region: str | None = None,
    ) -> None:
        """Fail matching calls with an AWS error until `clear_errors`; see `ErrorRule` for the matching."""
        rule = ErrorRule(
            service=service,
            operation=operation,
            code=code,
            message=message,
            account=account,
            status=status,
            method=method,
            path_regex=path_regex,
            region=region,
        )
        self._control("POST", "errors", rule)

    def inject_malformed_answer(
        self,
        service: str,
        operation: str | None = None,
        *,
        body: MalformedBody = "html",
        status: int = 200,
        account: str | None = None,
        method: str | None = None,
        path_regex: str | None = None,
        region: str | None = None,
    ) -> None:
        """Answer matching calls with a body no SDK can parse until `clear_errors`, as a proxy in
        front of an endpoint can; see `ErrorRule` for the bodies and the matching."""
        rule = ErrorRule(
            service=service,
            operation=operation,
            account=account,
            status=status,
            method=method,
            path_regex=path_regex,
            region=region,
            malformed=body,
        )
        self._control("POST", "errors", rule)

    def clear_errors(self) -> None:
        """Remove every injected error rule and malformed answer."""
        self._control("DELETE", "errors")

    def set_faults(
        self, share: float, kinds: Sequence[FaultKind] = FAULT_KINDS, seed: int | None = None
    ) -> None:
        """Fail `share` (0 to 1) of AWS calls with transient faults drawn from `kinds`; see `Faults`.

        Control calls are never faulted. Faults stay until `reset()` or a share of 0.
        """
        self._control("PUT", "faults", Faults(share=share, kinds=tuple(kinds), seed=seed))

    def set_page_size(self, service: str, operation: str, size: int) -> None:
        """Answer `operation` of `service` (botocore's names) `size` items a page, until `reset()`.

        Moto answers most listings whole, which leaves a client's pagination loop untested; with a
        page size, each page but the last names the next (0: whole again). See `PageSize`.
        """
        self._control("PUT", "page-sizes", PageSize(service=service, operation=operation, size=size))

    def set_latency(self, milliseconds: float) -> None:
        """Delay every AWS answer, as a real round trip does (benchmarks); `reset()` sets it back to 0."""
        self._control("PUT", f"latency/{milliseconds:g}")

    def env(self) -> dict[str, str]:
        """The full environment for a scanner subprocess, so that it reaches the emulator and nothing else.

        Every AWS_* variable of this process is dropped, so no profile, session token,
        endpoint or config file of the developer can leak into the scan.
        """
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return environment | {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }

    def client(
        self,
        service: str,
        region: str = REGION,
        account_id: str | None = None,
        config: botocore.config.Config | None = None,
    ) -> Any:
        """A boto3 client on the emulator, acting in `account_id` (default: DEFAULT_ACCOUNT).

        Other accounts are entered as an auditor enters them, by assuming their
        OrganizationAccountAccessRole; moto then serves the role's access key from that account.
        `config` is the client's botocore configuration, such as its retries.
        """
        keys: tuple[str, str, str | None] = (ACCESS_KEY, SECRET_KEY, None)
        if account_id is not None and account_id != DEFAULT_ACCOUNT:
            credentials = self.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/{ENTRY_ROLE}",
                RoleSessionName="cloudwarden-emulator",
            )["Credentials"]
            keys = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
        with self._sessions:  # a botocore session is not safe to share between threads
            if self._session is None:
                self._session = _isolated_session()
            client = self._session.client(  # type: ignore[call-overload]
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id=keys[0],
                aws_secret_access_key=keys[1],
                aws_session_token=keys[2],
                config=config,
            )
        if service == "s3control":
            client.meta.events.register("before-sign.s3-control", _drop_account_host_label)
        return client
