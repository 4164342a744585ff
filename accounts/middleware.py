from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .tokens import FIRST_LOGIN_MESSAGE, password_change_required


class ForcePasswordChangeMiddleware:
    """Accounts created by an admin must change their password at first login.

    Pages (sessions) are held here; API requests are held by the API's authentication classes
    (accounts.tokens), which apply the same predicate to the user DRF authenticated, so no
    header is parsed here."""

    ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/")
    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if password_change_required(user) and not request.path.startswith(self.ALLOWED_PREFIXES):
            # A browser session reaches the API too: refuse it there as JSON.
            if request.path.startswith(self.API_PREFIX):
                return JsonResponse({"detail": FIRST_LOGIN_MESSAGE}, status=403)
            return redirect(reverse("accounts:password_change") + "?first=1")
        return self.get_response(request)
