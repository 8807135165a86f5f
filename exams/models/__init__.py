from exams.models.attempts import Answer, Attempt, AttemptStatus, RoomAction, RoomEvent, RoomPause, SubmittedBy
from exams.models.sittings import (
    AssemblyStatus,
    Enrollment,
    EnrollmentStatus,
    Paper,
    PaperItem,
    Room,
    RoomExaminer,
    RoomKind,
    Sitting,
    SittingStatus,
)

__all__ = [
    "Answer",
    "AssemblyStatus",
    "Attempt",
    "AttemptStatus",
    "Enrollment",
    "EnrollmentStatus",
    "Paper",
    "PaperItem",
    "Room",
    "RoomAction",
    "RoomEvent",
    "RoomExaminer",
    "RoomKind",
    "RoomPause",
    "Sitting",
    "SittingStatus",
    "SubmittedBy",
]
