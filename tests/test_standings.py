"""Standings: the means per skill area (``standings``)."""

from interview.domain.standings import answer_mean, panel_mean, skill_means
from interview.domain.visibility import Lens
from interview.models import Answer, Category


def test_an_areas_mean_is_the_mean_of_its_scored_answers():
    skills = skill_means(
        [("Core Python", 6.0), ("Core Python", 9.0), ("Core Python", None), ("Soft Skills", 7.5)]
    )
    by_area = {skill["area"]: skill for skill in skills}
    assert by_area["Core Python"] == {"area": "Core Python", "asked": 3, "scored": 2, "mean": 7.5}
    assert by_area["Soft Skills"]["mean"] == 7.5


def test_every_area_of_the_bank_is_listed_in_its_order_scored_or_not():
    skills = skill_means([("Version Control", 4.0)])
    assert [skill["area"] for skill in skills] == list(Category.values)
    unasked = [skill for skill in skills if skill["area"] != "Version Control"]
    assert all(skill == {**skill, "asked": 0, "scored": 0, "mean": None} for skill in unasked)


def test_a_category_outside_the_bank_is_no_area_of_the_map():
    skills = skill_means([("Astrology", 9.0)])
    assert [skill["area"] for skill in skills] == list(Category.values)
    assert all(skill["mean"] is None for skill in skills)


def test_an_area_asked_but_unscored_has_no_mean():
    (core, *_) = skill_means([("Core Python", None)])
    assert (core["asked"], core["scored"], core["mean"]) == (1, 0, None)


def test_an_answers_mean_is_the_one_its_lens_sees():
    answer = Answer(score_sum=17, score_count=2, shown_sum=8, shown_count=1)
    answer.room_sum, answer.room_count = 0, 0
    assert answer_mean(answer, Lens.PANEL) == panel_mean(17, 2) == 8.5
    assert answer_mean(answer, Lens.AUTHOR) == 8.0
    assert answer_mean(answer, Lens.PUBLIC) is None
