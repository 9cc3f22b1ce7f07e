"""Password hashing for the test suite: production's Argon2 at its smallest cost."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """The same algorithm and hash format as production's (`argon2$argon2id$…`), but microseconds a hash
    instead of 0.1–1.5 s on two shared cores: the suite hashes a password for every user it makes and
    checks one at every sign-in. Hashes made with production's cost still verify (argon2 reads the cost
    from the hash)."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
