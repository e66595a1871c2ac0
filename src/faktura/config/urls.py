from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from faktura.config.api import api, error_response


@csrf_exempt
def api_not_found(request, rest: str = ""):
    """A path under /api/v1/ that names no endpoint: the API's JSON error, not a web page.

    Exempt from the CSRF check: it changes nothing, and a POST from an API client (which
    sends no CSRF token) must learn that the path is wrong, not that a cookie is missing."""
    return error_response(request, 404, "not_found", f"No API endpoint at /api/v1/{rest}.")


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("faktura.web.urls")),
]
