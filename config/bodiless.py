"""No answer to a HEAD request carries a body, whichever layer made it (nor does a 1xx, 204 or
304 answer, and a 1xx or 204 carries no `Content-Length` either).

Django answers HEAD as it answers GET, refusals and pages alike, and leaves dropping the body to
the server; gunicorn sends whatever the application returns (benoitc/gunicorn#2598). On a
kept-alive connection that body followed the headers, where a client or a proxy reads it as the
start of the next answer: after a HEAD on `/api/schema/` the client could not parse the answer
to its next request, a HEAD on a receipt PDF sent the whole file, and an answer without a
`Content-Length` (a 413, the CSV export) sent its body with no framing at all. Django's test
client drops such bodies itself (`conditional_content_removal`), so the suite never saw them.

Here, above every other middleware, the body goes and the headers stay: a HEAD's
`Content-Length` is the one the GET would have (RFC 9110, 9.3.2).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse


class BodilessAnswersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD" or _never_has_a_body(response.status_code):
            _drop_body(response)
        if _never_has_a_length(response.status_code):
            response.headers.pop("Content-Length", None)
        return response


def _never_has_a_body(status: int) -> bool:
    return 100 <= status < 200 or status in (204, 304)


def _never_has_a_length(status: int) -> bool:
    """CommonMiddleware sets `Content-Length: 0` on every empty answer; a 1xx or 204 must not
    carry one (RFC 9110, 8.6). A 304 may: it is the length the 200 would have."""
    return 100 <= status < 200 or status == 204


def _drop_body(response: HttpResponseBase) -> None:
    if isinstance(response, StreamingHttpResponse):
        # Neither iterated nor sent: a FileResponse's file is closed with the response, and the
        # CSV export's query never runs.
        response.streaming_content = []
    elif isinstance(response, HttpResponse):
        response.content = b""
