"""Key-point coverage: the method on small cases, and its quality measured on the bank itself.

The quality figures (docs/protocol.md, "Key-point coverage") come from ``bank_quality``.
"""

from statistics import mean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interview.content.coverage import coverage_of, key_point_terms, stem, suggested_score


def covered_share(text: str, key_points: list[str]) -> float:
    points = coverage_of(text, key_points)["points"]
    return sum(points) / len(points)


def bank_quality(entries: list[dict]) -> dict[str, float]:
    """Each question's own model answer, and every other question's, against its key points."""
    own = [covered_share(q["model_answer"], q["key_points"]) for q in entries]
    others_by_question = [
        [covered_share(o["model_answer"], q["key_points"]) for o in entries if o is not q]
        for q in entries
    ]
    others = [share for shares in others_by_question for share in shares]
    return {
        "own_mean": mean(own),
        "own_min": min(own),
        "other_mean": mean(others),
        "other_worst_question_mean": max(mean(shares) for shares in others_by_question),
        "other_pairs_over_quarter": sum(share > 0.25 for share in others) / len(others),
    }


def test_a_questions_own_model_answer_covers_at_least_four_fifths_of_its_key_points(
    bank_entries,
):
    assert bank_quality(bank_entries)["own_mean"] >= 0.80


def test_another_questions_model_answer_covers_at_most_a_quarter(bank_entries):
    quality = bank_quality(bank_entries)
    assert quality["other_mean"] <= 0.25
    # Not only on average over the bank: for every question, over all the others.
    assert quality["other_worst_question_mean"] <= 0.25


def test_an_empty_or_one_word_answer_covers_no_key_point(bank_entries):
    for question in bank_entries:
        key_points = question["key_points"]
        one_words = {"", " ", "\n\n", "Django", "yes", question["title"].split()[-1]}
        for point in key_points:
            one_words.update(point.split())  # words and code: "my_decorator(say_hello)"
            one_words.add(f"  {point.split()[0]}  {point.split()[0]}\n")  # one word, twice
        for text in one_words:
            coverage = coverage_of(text, key_points)
            assert not any(coverage["points"]), (question["slug"], text)
            assert coverage["suggested_score"] == 0


def test_code_identifiers_match_however_the_answer_writes_them():
    point = "Fixes it with select_related/prefetch_related"
    for text in (
        "qs.select_related('author') and then .prefetch_related('tags')",
        "I'd fix it with select related and prefetch related.",
        "SelectRelated, PrefetchRelated",
    ):
        assert coverage_of(text, [point])["points"] == [True], text


def test_a_dotted_identifier_is_found_inside_a_longer_dotted_name():
    point = "In Django: transaction.atomic() so either all writes succeed or all roll back"
    text = "Wrap the writes in django.db.transaction.atomic(); all succeed or roll back."
    assert coverage_of(text, [point])["points"] == [True]


def test_words_match_in_another_inflection_or_with_a_typo():
    point = "Considers cache invalidation/staleness when the data changes"
    assert coverage_of("We invalidate the cached data when it changed.", [point])["points"] == [
        True
    ]
    assert coverage_of("cache invalidatoin on data chnage", [point])["points"] == [True]


def test_stop_words_and_phrasing_are_not_key_point_terms():
    terms = key_point_terms("Uses a library such as django-environ (e.g. environ.Env)")
    assert [word.written for word in terms.words] == ["library", "django", "environ"]
    assert [identifier.squashed for identifier in terms.identifiers] == ["environenv"]


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (("cache", "caches", "cached", "caching"), "cach"),
        (("migrate", "migrations", "migrating"), "migr"),
        (("log", "logging", "logs"), "log"),
        (("query", "queries"), "quer"),
    ],
)
def test_inflections_share_a_stem(words, stemmed):
    assert {stem(word) for word in words} == {stemmed}


@pytest.mark.parametrize(
    ("covered", "total", "score"),
    [(0, 4, 0), (1, 4, 3), (2, 4, 5), (3, 4, 8), (4, 4, 10), (1, 3, 3), (2, 3, 7), (1, 5, 2)],
)
def test_the_suggested_score_is_the_share_covered_on_the_zero_to_ten_scale(covered, total, score):
    assert suggested_score([True] * covered + [False] * (total - covered)) == score


def test_a_question_without_key_points_suggests_no_score():
    assert coverage_of("anything at all", []) == {"points": [], "suggested_score": None}


def test_coverage_is_deterministic_and_plain_json(bank_entries):
    question = bank_entries[0]
    first = coverage_of(question["model_answer"], question["key_points"])
    assert first == coverage_of(question["model_answer"], question["key_points"])
    assert all(type(point) is bool for point in first["points"])
    assert type(first["suggested_score"]) is int


@given(
    text=st.text(max_size=2_000),
    key_points=st.lists(st.text(max_size=300), min_size=1, max_size=10),
)
def test_any_text_against_any_key_points_gets_one_verdict_per_point_and_a_score(text, key_points):
    coverage = coverage_of(text, key_points)
    assert len(coverage["points"]) == len(key_points)
    assert 0 <= coverage["suggested_score"] <= 10


def test_the_largest_question_against_the_largest_answer_costs_bounded_work(monkeypatch):
    """Ten key points of 300 characters against 20,000 characters of words that match
    nothing: coverage stems at most 1,500 of the answer's words and compares at most 10,000
    pairs in its fuzzy step (docs/protocol.md), however the two are written."""
    from bench.coverage_cost import worst_cases
    from interview.content import coverage

    compared = [0]
    extract_one = coverage.process.extractOne

    def counted(term, choices, **options):
        compared[0] += len(choices)
        return extract_one(term, choices, **options)

    monkeypatch.setattr(coverage.process, "extractOne", counted)
    for points, answers in worst_cases().values():
        coverage_of("the key points' terms, cached as in a round", points)
        stemmed: list[str] = []
        monkeypatch.setattr(coverage, "stem", lambda word, seen=stemmed: seen.append(word) or word)
        compared[0] = 0
        result = coverage_of(answers[0], points)
        monkeypatch.undo()
        monkeypatch.setattr(coverage.process, "extractOne", counted)
        assert result["points"] == [False] * len(points)
        assert len(set(answers[0].split())) > 2_000  # the bound bites
        assert len(stemmed) <= 1_500
        assert compared[0] <= 10_000
