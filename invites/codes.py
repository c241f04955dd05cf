"""Invite codes: 10 characters of Crockford base32 from the OS's CSPRNG."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 10  # 50 bits: unguessable at the rate limits of the validate endpoint

# Crockford decoding: what people type for the letters the alphabet leaves out.
_CONFUSABLES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(raw):
    """The stored form of a code as typed: case-insensitive, dashes and spaces ignored."""
    cleaned = "".join(ch for ch in str(raw).upper() if ch not in "- \t")
    return cleaned.translate(_CONFUSABLES)


def display_code(code):
    """ABCDE-FGHJK: easier to read out and type."""
    return f"{code[:5]}-{code[5:]}"
