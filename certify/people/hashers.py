"""The first-login secret's hasher.

A candidate imported from a roster signs in the first time with their 工号 and the last six
characters of their ID number. That secret is stored in the password field like any password,
never compared in plaintext, but hashed with HMAC-SHA256 keyed by ``SECRET_KEY`` and a salt
instead of PBKDF2: six characters (a birth day, a sequence number and a check character) have
only some 300,000 values, so no iteration count would stop an offline search, while a key the
database does not hold does; and a 10,000-row roster must not spend an hour hashing. Online
guessing is stopped by the lockout (django-axes). The secret works once: the first sign-in
replaces it with an unusable password and asks for a new one (certify.people.auth).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop


class FirstLoginHasher(BasePasswordHasher):
    algorithm = "first_login_hmac"

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        # Case-insensitive: the check character X may be typed as x.
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{salt}${password.upper()}".encode(), hashlib.sha256
        ).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            gettext_noop("algorithm"): decoded["algorithm"],
            gettext_noop("salt"): mask_hash(decoded["salt"], show=2),
            gettext_noop("hash"): mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass


def first_login_secret(id_number: str) -> str:
    """The stored form of a candidate's first-login secret (the ID number's last six characters)."""
    hasher = FirstLoginHasher()
    return hasher.encode(id_number[-6:], hasher.salt())
