"""Content-Security-Policy and Permissions-Policy on every response.

Copse's pages need no inline script or style and no other origin: scripts, styles,
images and fonts come from the site itself (htmx and the API docs' Swagger UI are served
from static files). So the policy is 'self' throughout; a script injected into a page
would not run, and nothing can be loaded from or sent to elsewhere. The policy text is
`settings.CONTENT_SECURITY_POLICY`, built in settings.py.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
