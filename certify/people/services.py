"""Writes to users, their roles and candidates' records."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from certify.people.hashers import first_login_secret
from certify.people.models import Candidate, Hall, Role, User

# The Django-admin group of each role, and the permissions it carries beyond
# what the role checks in certify's own pages and API.
ROLE_GROUPS: dict[str, str] = {
    Role.CANDIDATE: "考生",
    Role.EXAMINER: "考评员",
    Role.CHIEF_EXAMINER: "考评组长",
    Role.ADMIN: "认证管理员",
}
ADMIN_APPS = ("certify", "question_bank", "exams", "grading")


def role_groups_sync() -> None:
    """Create each role's group; the admin group may manage every certify model and see personal data.

    Idempotent: run after every migration.
    """
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUPS.items()}
    admin_permissions = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS).exclude(
        content_type__app_label="certify", content_type__model__in=["heartbeat"]
    )
    groups[Role.ADMIN].permissions.set(admin_permissions)


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Give ``user`` ``role``: its group, and Django-admin access for certification admins."""
    user.role = role
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    role_groups_sync()
    user.groups.set([Group.objects.get(name=ROLE_GROUPS[role])])
    return user


@transaction.atomic
def staff_upsert(
    *, username: str, full_name: str, role: str, hall: Hall | None = None, password: str | None = None
) -> tuple[User, bool]:
    """Create or update an examiner or admin account by username."""
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
    user.full_name = full_name
    user.hall = hall
    if password is not None:
        user.set_password(password)
    user.save()
    user_set_role(user=user, role=role)
    return user, created


@transaction.atomic
def candidate_upsert(
    *,
    employee_no: str,
    name: str,
    id_number: str,
    phone: str,
    hall: Hall,
    level: int | None = None,
    password: str | None = None,
) -> tuple[Candidate, bool]:
    """Create or update a candidate matched by 工号; the login name is the 工号.

    Field values must already be validated (``Candidate.full_clean`` runs here too).
    """
    candidate = Candidate.objects.select_related("user").filter(employee_no=employee_no).first()
    created = candidate is None
    if created:
        user = User(username=employee_no, full_name=name, hall=hall)
        if password is not None:
            user.set_password(password)
        else:
            # First login: 工号 + the ID number's last six characters, hashed, once.
            user.password = first_login_secret(id_number)
            user.password_must_change = True
        user.save()
        user_set_role(user=user, role=Role.CANDIDATE)
        candidate = Candidate(user=user, employee_no=employee_no)
    else:
        user = candidate.user
        user.full_name = name
        user.hall = hall
        if password is not None:
            user.set_password(password)
            user.password_must_change = False
        elif user.password_must_change and user.has_usable_password() and candidate.id_number != id_number:
            user.password = first_login_secret(id_number)  # the secret follows the corrected ID number
        user.save()
    candidate.name = name
    candidate.id_number = id_number
    candidate.phone = phone
    candidate.hall = hall
    if level is not None:
        candidate.level = level
    candidate.full_clean()
    candidate.save()
    return candidate, created
