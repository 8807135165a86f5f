"""The grading app's models, gathered for Django; each lives in its concept package.

Import them from where they live (``grading.marking.models``); this module exists so that Django
finds every model of the app.
"""

from grading.certificates.models import Certificate, CertificateSerial
from grading.exports.models import ExportJob
from grading.marking.models import (
    Arbitration,
    ControlScript,
    MarkerPause,
    MarkingItem,
    MarkingSettings,
    Script,
    Task,
    TeamMember,
    WrittenScore,
)
from grading.results.models import ReScore, Result, ReviewRequest, RoomSignOff

__all__ = [
    "Arbitration",
    "Certificate",
    "CertificateSerial",
    "ControlScript",
    "ExportJob",
    "MarkerPause",
    "MarkingItem",
    "MarkingSettings",
    "ReScore",
    "Result",
    "ReviewRequest",
    "RoomSignOff",
    "Script",
    "Task",
    "TeamMember",
    "WrittenScore",
]
