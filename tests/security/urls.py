"""Every URL pattern of the project, app and admin, filled in with branch A's rows."""

import re

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
APP_LABEL_GROUP = re.compile(r"\(\?P<app_label>[^)]*\)")
REGEX_GROUP = re.compile(r"\(\?P<[^>]+>[^)]*\)")
ADMIN_OBJECT_PARAMS = {"object_id", "pk", "id"}


class UnknownParameter(Exception):
    pass


def patterns(resolver=None, prefix="", namespace=None):
    """(route, name) for every pattern; unnamed ones are keyed by their route."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            space = namespace
            if pattern.namespace:
                space = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from patterns(pattern, prefix + str(pattern.pattern), space)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name or route


def _admin_model(name: str):
    """The admin model a URL name like ``admin:circles_person_change`` belongs to."""
    bare = name.removeprefix("admin:")
    best = None
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if bare.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, model)
    return best[1] if best else None


def fill(route: str, name: str, world) -> str:
    """The route with its parameters replaced by branch A's ids (or a junk token)."""

    def value(match):
        param = match.group("name")
        if route.startswith("admin/") and param in ADMIN_OBJECT_PARAMS:
            model = _admin_model(name)
            obj = world.objects.get(model._meta.label) if model else None
            if obj is None and model is not None:
                obj = model._default_manager.order_by("pk").first()
            return str(obj.pk) if obj is not None else "999999"
        if route.startswith("admin/") and param in {"app_label"}:
            return "circles"
        if route.startswith("admin/") and param in {"content_type_id"}:
            return "1"
        if route.startswith("admin/") and param in {"rest", "url"}:
            return "x"
        override = world.overrides.get(name, {})
        if param in override:
            return str(override[param])
        if param in world.ids:
            return str(world.ids[param])
        raise UnknownParameter(
            f"{route!r} ({name}): no value for <{param}> — add it to tests/security/world.py"
        )

    route_filled = APP_LABEL_GROUP.sub("circles", route)  # the admin's app index
    route_filled = REGEX_GROUP.sub("x", route_filled)  # the admin's catch-all: any path
    path = PARAM.sub(value, route_filled)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path
