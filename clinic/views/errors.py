from django.http import JsonResponse
from django.shortcuts import render


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    # Under /api/ even a URL that matches no route answers in the API's one error body.
    return JsonResponse({"error": {"status": status, "code": code, "message": message, "fields": {}}}, status=status)


def forbidden(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(403, "permission_denied", "You do not have permission to perform this action.")
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404, "not_found", "Not found.")
    return render(request, "errors/404.html", status=404)
