"""The results CSV (``interview.api.results_csv``): its columns, and cells a spreadsheet
would run as formulas neutralised."""

import csv
import io

import pytest

from interview.api.results_csv import csv_cell
from interview.domain import services
from interview.models import Question

from .factories import owner_seat, seat, session_for

pytestmark = pytest.mark.django_db


@pytest.mark.django_db
def test_results_csv_has_each_rounds_signals_and_key_point_coverage(api, interviewer, bank):
    session = session_for(interviewer)
    panel = owner_seat(session)
    ann = seat(session, "Ann")
    seat(session, "Ben")  # no signals, no answer
    question = Question.objects.get(slug="django-orm-query-optimization")
    rnd = services.round_open(session=session, participant=panel, question_id=question.id)
    for kind, chars in (("blur", None), ("paste", 380), ("focus", None)):
        services.signal_report(
            session=session, participant=ann, round_id=rnd.id, kind=kind, chars=chars
        )
    services.answer_submit(
        session=session, participant=ann, round_id=rnd.id, text=question.model_answer
    )
    services.round_close(session=session, participant=panel)

    response = api.get(f"/api/sessions/{session.code}/results.csv")
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    by_name = {row[header.index("candidate")]: dict(zip(header, row, strict=True)) for row in rows}
    results = api.get(f"/api/sessions/{session.code}/results").json()
    coverage = {c["name"]: c["rounds"][0]["coverage"] for c in results["candidates"]}
    anns = by_name["Ann"]
    assert anns["signals"] == "lost focus 1×, pasted 380 characters"
    assert (anns["lost_focus"], anns["pastes"], anns["pasted_chars"]) == ("1", "1", "380")
    assert (anns["left_tab"], anns["away_s"]) == ("0", "0")
    assert anns["key_points_covered"] == str(sum(coverage["Ann"]["points"]))
    assert anns["key_points"] == str(len(question.key_points))
    assert anns["suggested_score"] == str(coverage["Ann"]["suggested_score"])
    bens = by_name["Ben"]
    assert (bens["signals"], bens["pastes"]) == ("no signals", "0")
    assert (bens["key_points_covered"], bens["key_points"], bens["suggested_score"]) == ("", "", "")


def test_results_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    api, interviewer, bank
):
    session = session_for(interviewer)
    panel = owner_seat(session)
    hostile = seat(session, '=HYPERLINK("http://evil.example/","x")')
    plain = seat(session, "Ann")
    rnd = services.round_open(
        session=session, participant=panel, question_id=Question.objects.first().id
    )
    for candidate, feedback in ((hostile, "@SUM(1+1)"), (plain, "Clear and short.")):
        answer = services.answer_submit(
            session=session, participant=candidate, round_id=rnd.id, text="an answer"
        )
        services.answer_score(
            session=session, participant=panel, answer_id=answer.id, score=5, feedback=feedback
        )
    response = api.get(f"/api/sessions/{session.code}/results.csv")
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    by_name = {row[header.index("candidate")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_name) == {'\'=HYPERLINK("http://evil.example/","x")', "Ann"}
    assert by_name['\'=HYPERLINK("http://evil.example/","x")']["feedback"] == "'@SUM(1+1)"
    assert by_name["Ann"]["feedback"] == "Clear and short."
    assert by_name["Ann"]["score"] == "5"
    assert by_name["Ann"]["total"] == "5.0"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-1.5, -1.5),
        (7, 7),
    ],
)
def test_a_csv_cell_is_prefixed_only_when_it_is_text_starting_a_formula(value, written):
    assert csv_cell(value) == written
