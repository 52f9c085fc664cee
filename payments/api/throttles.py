"""Payment creation is throttled per learner and per client IP (rates in settings)."""

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class PaymentCreateUserThrottle(SimpleRateThrottle):
    scope = "payments_user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PaymentCreateIPThrottle(SimpleRateThrottle):
    scope = "payments_ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
