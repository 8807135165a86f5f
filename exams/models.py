"""The exams app's models, gathered for Django; each lives in its concept package.

Import them from where they live (``exams.planning.models``, ``exams.papers.models``,
``exams.written.models``, ``exams.practical.models``); this module exists so that Django
finds every model of the app.
"""

from exams.papers.models import Assembly, AssemblyStatus, Paper, PaperItem
from exams.planning.models import (
    Enrollment,
    EnrollmentStatus,
    Room,
    RoomAction,
    RoomEvent,
    RoomExaminer,
    RoomKind,
    Sitting,
    SittingStatus,
)
from exams.practical.models import (
    BusinessAttempt,
    BusinessTask,
    Passage,
    Product,
    Scenario,
    Scene,
    SceneReview,
    SceneRun,
    SceneScore,
    TypingAttempt,
)
from exams.written.models import Answer, Attempt, RoomPause

__all__ = [
    "Answer",
    "Assembly",
    "AssemblyStatus",
    "Attempt",
    "BusinessAttempt",
    "BusinessTask",
    "Enrollment",
    "EnrollmentStatus",
    "Paper",
    "PaperItem",
    "Passage",
    "Product",
    "Room",
    "RoomAction",
    "RoomEvent",
    "RoomExaminer",
    "RoomKind",
    "RoomPause",
    "Scenario",
    "Scene",
    "SceneReview",
    "SceneRun",
    "SceneScore",
    "Sitting",
    "SittingStatus",
    "TypingAttempt",
]
