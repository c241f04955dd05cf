"""Referral codes: 8 characters people read off a phone and type, from the OS's CSPRNG."""

import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or retyped from a screenshot survives.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 8  # 25**8 ≈ 1.5e11 codes: unguessable by walking /r/, which redirects either way


def new_code():
    # secrets, not random: a predictable generator would let anyone enumerate live codes.
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw):
    """The stored form of a code as typed or carried in a cookie, or None if it cannot be one."""
    code = "".join(ch for ch in str(raw or "").upper() if ch not in "- \t")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
