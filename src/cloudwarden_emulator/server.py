"""The emulator process: moto's server behind a middleware for the control API, injected errors and faults."""

import contextlib
import sys
import time
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import msgspec
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from cloudwarden_emulator import patches
from cloudwarden_emulator.pagination import Pager
from cloudwarden_emulator.state import (
    ACCOUNT_ID,
    READY_PREFIX,
    ErrorRule,
    Faults,
    PageSize,
    ReservedCname,
    RootState,
    TrailDeliveryError,
)

CONTROL_PREFIX = "/_cloudwarden/"


class QuietRequestHandler(MotoRequestHandler):
    """Moto's request handler without werkzeug's line per request, which would bury real errors."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for a served request."""

    def connection_dropped(self, error: BaseException, environ: WSGIEnvironment | None = None) -> None:
        """Close a connection that a request dropped, by a client leaving or a `DroppedConnection` fault.

        Werkzeug sends nothing then and, on an HTTP/1.1 keep-alive connection, would wait for the
        next request on it while the client waits for an answer; closing it gives the client the
        end of stream that a dropped connection is.
        """
        self.close_connection = True


class EmulatorApp:
    """Serves the control API, injected errors and faults itself, and everything else through moto,
    in pages of the sizes set (`Pager`)."""

    def __init__(self, moto: WSGIApplication, state: patches.EmulatorState) -> None:
        self._moto = moto
        self._state = state
        self._pager = Pager()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response: Response | None
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            response = self._control(Request(environ))
        else:
            if self._state.latency:
                time.sleep(self._state.latency)  # a round trip to a real AWS endpoint, for benchmarks
            response = patches.fault_response(self._state, environ)  # raises to drop the connection
            if response is None:
                injection = patches.find_injection(self._state, environ)
                if injection is None:
                    return self._pager(self._moto, environ, start_response)
                response = patches.error_response(injection)
        return response(environ, start_response)

    def _control(self, request: Request) -> Response:
        try:
            match request.method, request.path.removeprefix(CONTROL_PREFIX).split("/"):
                case "GET", ["health"]:
                    pass
                case "PUT", ["root", account]:
                    if not ACCOUNT_ID.fullmatch(account):
                        raise ValueError(f"{account!r} is not a 12-digit account id")
                    self._state.set_root(account, msgspec.json.decode(request.get_data(), type=RootState))
                case "PUT", ["trail-delivery-error"]:
                    delivery = msgspec.json.decode(request.get_data(), type=TrailDeliveryError)
                    self._state.set_delivery_error(delivery.trail_arn, delivery.error)
                case "POST", ["beanstalk-cnames"]:
                    reserved = msgspec.json.decode(request.get_data(), type=ReservedCname)
                    self._state.reserve_beanstalk_cname(reserved.cname)
                case "POST", ["errors"]:
                    rule = msgspec.json.decode(request.get_data(), type=ErrorRule)
                    self._state.add_injection(patches.injection_for(rule))
                case "DELETE", ["errors"]:
                    self._state.clear_injections()
                case "PUT", ["faults"]:
                    self._state.set_faults(msgspec.json.decode(request.get_data(), type=Faults))
                case "PUT", ["page-sizes"]:
                    self._pager.set(msgspec.json.decode(request.get_data(), type=PageSize))
                case "PUT", ["latency", milliseconds]:
                    self._state.latency = max(0.0, float(milliseconds)) / 1000
                case "POST", ["reset"]:
                    moto_api_backend.reset()
                    self._state.reset()
                    self._pager.reset()
                case _:
                    return _json({"error": f"no control endpoint {request.method} {request.path}"}, 404)
        except ValueError as error:
            return _json({"error": str(error)}, 400)
        return _json({"status": "ok"}, 200)


def _json(body: dict[str, str], status: int) -> Response:
    return Response(msgspec.json.encode(body), status=status, content_type="application/json")


def serve(port: int) -> None:
    """Serve on 127.0.0.1 until the process is stopped, announcing the endpoint on stdout."""
    state = patches.EmulatorState()
    patches.install(state)
    app = EmulatorApp(DomainDispatcherApplication(create_backend_app), state)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietRequestHandler)
    print(f"{READY_PREFIX}http://127.0.0.1:{server.server_port}", flush=True)
    # Nobody reads stdout after the ready line, and a full pipe would block the request that
    # writes to it; moto prints the odd warning, so stray output goes to stderr instead.
    with contextlib.redirect_stdout(sys.stderr):
        server.serve_forever()
