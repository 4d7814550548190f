"""The results as the API serves them as JSON: the reads' data (``selectors.results_for``,
``selectors.candidate_results``) with each candidate's skills map drawn from their means per
skill area (``radar.skills_svg``). No query."""

from interview.content.radar import skills_svg


def results_document(results: dict) -> dict:
    """The panel's results with ``skills_svg`` added to each candidate, its element id
    ``skills-<participant id>`` so every map of a page has its own ids."""
    for candidate in results["candidates"]:
        candidate["skills_svg"] = skills_svg(
            candidate["name"],
            candidate["skills"],
            element_id=f"skills-{candidate['participant_id']}",
        )
    return results


def my_results_document(mine: dict) -> dict:
    """A candidate's own results with ``skills_svg``, their skills map (element id
    ``skills-mine``), right after ``skills``."""
    drawn = skills_svg(mine["participant"]["name"], mine["skills"], element_id="skills-mine")
    document = {}
    for key, value in mine.items():
        document[key] = value
        if key == "skills":
            document["skills_svg"] = drawn
    return document
