"""Responses that carry a client secret are never stored by a cache (`Cache-Control: no-store`).

A PaymentIntent's or Checkout Session's `client_secret` (`clientSecret` in JavaScript) lets its
holder confirm the payment; a shared or browser cache must not keep it. Any response whose body
names one, at any depth, in JSON or in a page, gets the header: native API, contract endpoints
and pages alike, with nothing for a view to remember. Naming the key is enough (the check is a
substring search): a false positive only costs a cache miss.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SECRET_MARKERS = (b"client_secret", b"clientSecret")


class NoStoreSecretsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.streaming and any(m in response.content for m in SECRET_MARKERS):
            response["Cache-Control"] = "no-store"
        return response
