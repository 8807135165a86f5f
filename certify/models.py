from certify.models.org import Branch, Hall, Province
from certify.models.standard import Level, LevelRule, StandardVersion
from certify.models.system import Heartbeat
from certify.models.users import Candidate, Role, User

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
