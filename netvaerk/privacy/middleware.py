from auditlog.middleware import AuditlogMiddleware


class ChangeLogMiddleware(AuditlogMiddleware):
    """auditlog's middleware (it ties changes to the request's user), trusting only REMOTE_ADDR:
    X-Forwarded-For's first entry is whatever the client wrote."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def _get_remote_port(request):
        return None
