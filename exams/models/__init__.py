from exams.models.attempts import Answer, Attempt, AttemptStatus, SubmittedBy
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
    "RoomExaminer",
    "RoomKind",
    "Sitting",
    "SittingStatus",
    "SubmittedBy",
]
