"""The results as the API serves them: the reads' data with the skills maps drawn."""

import pytest

from interview.api.results_json import my_results_document, results_document
from interview.domain.selectors.results import results_for

from .test_results import scored_in_two_areas

pytestmark = pytest.mark.django_db


def test_each_candidates_results_carry_their_radar(interviewer, bank):
    session, ann, _ = scored_in_two_areas(interviewer)
    first, _ = results_document(results_for(session))["candidates"]
    # Two areas asked: a labelled bar each, not a radar collapsed to a line.
    assert first["skills_svg"].count("<circle") == 0
    assert first["skills_svg"].count('class="bar"') == 2
    assert 'data-area="Core Python"' in first["skills_svg"]
    assert 'id="skills-' + str(ann.id) + '"' in first["skills_svg"]


def test_a_candidates_own_skills_map_comes_right_after_their_skills():
    mine = {
        "session": {},
        "skills": [{"area": "Core Python", "asked": 1, "scored": 1, "mean": 7.0}],
        "participant": {"participant_id": 3, "name": "Ann"},
        "rounds": [],
    }
    document = my_results_document(mine)
    assert list(document) == ["session", "skills", "skills_svg", "participant", "rounds"]
    assert "Skills map of Ann" in document["skills_svg"]
    assert 'id="skills-mine"' in document["skills_svg"]
