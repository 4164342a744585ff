from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

FIRST_LOGIN_MESSAGE = "请先修改初始密码后再使用平台。"


class ForcePasswordChangeMiddleware:
    """Accounts created by an admin must change their password at first login."""

    ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/")
    API_PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.path.startswith(self.API_PREFIX) and not (user is not None and user.is_authenticated):
            user = self._token_user(request)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            # A browser session reaches the API too (DRF's SessionAuthentication): refuse it
            # there as JSON rather than let the API stand in for the pages.
            if request.path.startswith(self.API_PREFIX):
                return JsonResponse({"detail": FIRST_LOGIN_MESSAGE}, status=403)
            return redirect(reverse("accounts:password_change") + "?first=1")
        return self.get_response(request)

    @staticmethod
    def _token_user(request):
        """The user of an API token (DRF authenticates tokens only inside the view, after this)."""
        scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "token" or not key.strip():
            return None
        from rest_framework.authtoken.models import Token

        token = Token.objects.select_related("user").filter(key=key.strip()).first()
        return token.user if token else None
