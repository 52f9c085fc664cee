"""A request gunicorn refuses itself gets gunicorn's answer, and one access log line.

Gunicorn answers a request it cannot frame (a `Content-Length` that is not a number, two of them,
one beside `Transfer-Encoding`) with a 400 of its own, logged first through our access logger
with a Response whose `start_response` never ran. The logger read its `status_code`, which such a
Response lacks: the error handler raised before writing the 400 and the client's connection was
dropped with no answer. Run in a new interpreter: `config/gunicorn.py` claims a metrics directory.
"""

import json
from pathlib import Path

import pytest

from tests.ops.test_forking_processes import python

GUNICORN_REFUSES = """
import json, os, runpy, socket, types
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from gunicorn.workers.base import Worker
hooks = runpy.run_path("config/gunicorn.py")
config = Config()
config.set("accesslog", os.environ["ACCESS_LOG"])
server, client = socket.socketpair()
client.sendall(bytes.fromhex(os.environ["REQUEST_HEX"]))
try:
    next(RequestParser(config, server, ("127.0.0.1", 4242)))
except Exception as refused:  # what gunicorn's worker catches around its parser
    worker = types.SimpleNamespace(cfg=config, log=hooks["AppFormatAccessLogger"](config))
    Worker.handle_error(worker, None, server, ("127.0.0.1", 4242), refused)
server.close()
answer = client.recv(65536)
print(json.dumps({"status_line": answer.split(b"\\r\\n", 1)[0].decode()}))
"""
HEAD = b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"Content-Length: abc\r\n\r\n",
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ],
    ids=["length-and-chunked", "length-not-a-number", "two-lengths"],
)
def test_a_request_gunicorn_refuses_is_answered_400_and_logged(
    framing: bytes, tmp_path: Path
) -> None:
    access_log = tmp_path / "access.log"
    env = {
        "METRICS_DIR": str(tmp_path / "metrics"),
        "ACCESS_LOG": str(access_log),
        "REQUEST_HEX": (HEAD + framing).hex(),
    }

    answer = json.loads(python(GUNICORN_REFUSES, env))

    assert answer["status_line"] == "HTTP/1.1 400 Bad Request"
    (line,) = access_log.read_text().splitlines()
    assert " POST - 400 " in line
