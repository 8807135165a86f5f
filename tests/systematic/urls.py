"""Every URL pattern of the project, generated from the URL conf, with the arguments to reach it
on an exam day (tests.security_helpers.day_open_now). The systematic tests (issue 11, point 13)
walk these: a new pattern is included automatically, and one they cannot fill fails them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" for namespaced patterns
    pattern: str
    params: tuple[str, ...]


def routes() -> list[Route]:
    found = []

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None and namespace == "admin":
                    continue  # the admin's final catch-all: answers like an unknown admin page
                # An unnamed pattern outside the admin fails the walk (reverse finds no name): name it.
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                params = tuple(getattr(pattern.pattern, "converters", {})) or tuple(pattern.pattern.regex.groupindex)
                found.append(Route(name, prefix + str(pattern.pattern), params))

    walk(get_resolver().url_patterns, "", None)
    return found


@dataclass
class Targets:
    """The objects an exam day gives every parameter."""

    sitting: int
    written_room: int
    practical_room: int
    assignment: int
    enrollment: int
    attempt: int
    position: int
    typing: int
    business: int
    task: int
    run: int
    item: int
    candidate: int
    job: int
    # Marking (grading/marking): the item of the sitting, a task claimed by a marker, a final script
    # that is a control script, a marker of the team and their membership.
    marking_item: int
    marking_task: str
    marking_script: str
    control: int
    marker: int
    member: int
    # Exports (grading/exports): a finished export job requested by the admin.
    export: int
    # Results (grading/results, grading/certificates): the candidate's published result, its
    # certificate (number and verification code) and a zip of the sitting's certificates.
    result: int
    certificate: str
    certificate_code: str
    bundle: int


# Which object a ``pk`` means, by pattern name (every other parameter has one meaning).
PK = {
    "bank-item": "item",
    "bank-item-edit": "item",
    "bank-item-status": "item",
    "api-bank-item": "item",
    "api-attempt": "attempt",
    "api-attempt-clock": "attempt",
    "api-attempt-answer": "attempt",
    "api-attempt-submit": "attempt",
    "api-attempt-events": "attempt",
    "api-typing": "typing",
    "api-typing-submit": "typing",
    "api-typing-events": "typing",
    "api-business": "business",
    "api-business-task": "task",
    "api-candidate": "candidate",
    "export-job": "export",
    "export-file": "export",
    "api-export": "export",
    "api-export-file": "export",
    "result": "result",
    "my-result": "result",
    "api-my-result-review": "result",
}
ROOM = {"practical-action": "practical_room"}


def url_for(route: Route, t: Targets) -> str:
    """A concrete URL for ``route`` on the exam day ``t``; KeyError when a parameter is unknown."""
    kwargs = {}
    for param in route.params:
        if param == "pk":
            kwargs[param] = getattr(t, PK.get(route.name, "sitting"))
        elif param == "room_id":
            kwargs[param] = getattr(t, ROOM.get(route.name, "written_room"))
        elif param == "action":
            kwargs[param] = "open"
        elif param in ("level",):
            kwargs[param] = 5
        elif param == "number" and route.name in ("certificate-pdf", "verify-link"):
            kwargs[param] = t.certificate
        elif param == "code" and route.name == "verify-link":
            kwargs[param] = t.certificate_code
        elif param == "number":
            kwargs[param] = 1
        elif param == "code":
            kwargs[param] = t.marking_script if "arbitrat" in route.name else t.marking_task
        elif param in ("object_id", "content_type_id", "app_label", "url", "model"):
            raise KeyError(param)  # admin patterns are checked as a group
        else:
            kwargs[param] = getattr(
                t,
                {
                    "enrollment_id": "enrollment",
                    "assignment_id": "assignment",
                    "run_id": "run",
                    "position": "position",
                    "job_id": "job",
                    "item_id": "marking_item",
                    "control_id": "control",
                    "user_id": "marker",
                    "member_id": "member",
                    "bundle_id": "bundle",
                }[param],
            )
    return reverse(route.name, kwargs=kwargs)
