"""The certify app's models, gathered for Django; each lives in its concept package.

Import them from where they live (``certify.people.models``, ``certify.standard.models``);
this module exists so that Django finds every model of the app.
"""

from certify.heartbeat import Heartbeat
from certify.people.models import Branch, Candidate, Hall, Province, Role, User
from certify.standard.models import Level, LevelRule, StandardVersion

__all__ = [
    "Branch",
    "Candidate",
    "Hall",
    "Heartbeat",
    "Level",
    "LevelRule",
    "Province",
    "Role",
    "StandardVersion",
    "User",
]
