"""Secrets handed to people (``interview.domain.credentials``): join codes, tokens, hashes."""

import hashlib
import re

from interview.domain.credentials import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    join_code_new,
    join_code_normalise,
    secret_hash,
    secret_new,
)


def test_a_join_code_is_eight_symbols_with_no_look_alikes():
    codes = {join_code_new() for _ in range(200)}
    assert len(codes) > 190  # random, not a counter
    for code in codes:
        assert len(code) == JOIN_CODE_LENGTH == 8
        assert set(code) <= set(JOIN_CODE_ALPHABET)
        assert not set(code) & set("01ILO")


def test_a_typed_code_is_read_in_any_case_with_spaces_and_dashes_ignored():
    assert join_code_normalise("  abcd-efgh ") == "ABCDEFGH"
    assert join_code_normalise("ab cd ef gh") == "ABCDEFGH"
    code = join_code_new()
    assert join_code_normalise(code) == code


def test_a_secret_is_fresh_url_safe_and_256_bits():
    first, second = secret_new(), secret_new()
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first)  # 32 bytes in URL-safe base64


def test_the_stored_hash_is_the_secrets_sha256_and_never_the_secret():
    secret = secret_new()
    stored = secret_hash(secret)
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert stored == secret_hash(secret)
    assert secret not in stored
    assert secret_hash(secret_new()) != stored
