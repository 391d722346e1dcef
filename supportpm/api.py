"""The JSON API under /api/ (OpenAPI document at /api/openapi.json)."""

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Path, Schema, Status
from ninja.security import django_auth

from teams.models import Membership, Team
from teams.permissions import membership_in

api = NinjaAPI(
    title="SupportPM API",
    version="1",
    description="Read and write SupportPM data of the teams you belong to. Sign in with a session.",
    auth=django_auth,
    urls_namespace="api",
)


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    """A request the API cannot read: what is wrong with which part (``loc``), one entry per problem."""

    detail: list[dict[str, Any]]


# A team's slug as the teams app makes them: letters, digits, hyphens and underscores.
SLUG = Path(..., pattern=r"^[-a-zA-Z0-9_]+$", max_length=60, description="The team's slug, as in its URLs.")


class TeamOut(Schema):
    slug: str
    name: str
    time_zone: str
    role: str


class MemberOut(Schema):
    username: str
    name: str
    role: str
    capacity: int
    skills: list[str]


@api.get("/teams", response={200: list[TeamOut], 401: ErrorOut}, summary="Teams you belong to")
def list_teams(request: HttpRequest) -> list[dict[str, str]]:
    return [
        {"slug": t.slug, "name": t.name, "time_zone": t.time_zone, "role": t.my_role}
        for t in Team.objects.with_role_of(request.user)
    ]


@api.get(
    "/teams/{slug}/members",
    response={200: list[MemberOut], 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Members of one of your teams",
)
def list_members(request: HttpRequest, slug: str = SLUG) -> Status[object]:
    membership = membership_in(request.user, slug)
    if membership is None:
        return Status(404, {"detail": "No such team."})
    members = Membership.objects.for_team_page(membership.team)
    return Status(
        200,
        [
            {
                "username": m.user.username,
                "name": m.user.display_name,
                "role": m.role,
                "capacity": m.capacity,
                "skills": m.skills,
            }
            for m in members
        ],
    )
