"""Pages that belong to no single app: the health check."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from supportpm.health import health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and operators: 200 when the web app can serve."""
    report = health_report()
    age = report.worker_age_seconds
    return JsonResponse(
        {
            "status": "ok" if report.ok else "error",
            "database": report.database,
            "cache": report.cache,
            "worker": {
                "ok": report.worker_ok,
                "last_heartbeat": report.worker_seen_at.isoformat() if report.worker_seen_at else None,
                "seconds_ago": round(age, 1) if age is not None else None,
            },
        },
        status=200 if report.ok else 503,
    )
