"""The results as the CSV the API serves: a row per candidate, round and interviewer score,
built from the results' data (``selectors.results_for``) alone, with no query. Every cell is
safe to open in a spreadsheet (``csv_cell``)."""

from interview.domain.standings import SKILL_AREAS

RESULTS_CSV_HEADER = [
    "session",
    "candidate_id",
    "candidate",
    "rank",
    "total",
    "round",
    "question",
    "category",
    "answer_id",
    "answer_score",
    "interviewer",
    "score",
    "feedback",
    # The candidate's skills map: their mean per area of the bank, empty where none.
    *(f"mean {area}" for area in SKILL_AREAS),
    # The candidate's integrity signals in the round (``signals_summary``), then the answer's
    # key-point coverage: empty without an answer.
    "signals",
    "left_tab",
    "away_s",
    "reloads",
    "lost_focus",
    "pastes",
    "pasted_chars",
    "key_points_covered",
    "key_points",
    "suggested_score",
    # The panel's private notes: on the answer, then on the candidate ("Alice: text; Bob: ...").
    "private_notes",
    "candidate_notes",
    # "yes" when the answer's final revision is the draft kept at the round's close, "no"
    # when it was submitted; empty without an answer.
    "kept_at_close",
    # The candidate's place by the session's ranking rule: the first round asked while they
    # were present, how many since, how many they answered, their mean over them.
    "joined_at",
    "asked",
    "answered",
    "mean",
    # The answer's newest revision and its text, and the revision this row's score was
    # given to (older than the newest: the answer changed since it was scored).
    "revision",
    "scored_revision",
    "answer_text",
    # An exercise's answer: of its newest revision, the tests passed of the round's examples
    # and hidden tests, the failing tests' names, and "yes" when a later report disagreed.
    # Then ``suggested_score`` above is the coverage's scaled by the share passed.
    "tests_passed",
    "tests_total",
    "failed_tests",
    "verdict_disputed",
]


# A spreadsheet reads a cell starting with one of these as a formula (or, with a tab or a
# carriage return, strips the character and reads what follows): OWASP's "CSV Injection".
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: a string that could start a formula gets a ``'``.

    Numbers stay numbers; only text typed by people (names, titles, feedback) can be hostile.
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
        return "'" + value
    return value


def notes_text(notes: list[dict]) -> str:
    """Notes as one CSV cell: "Alice: text; Bob: text"."""
    return "; ".join(f"{note['by_name']}: {note['text']}" for note in notes)


def results_csv_rows(results: dict) -> list[list]:
    """The results flattened, in ``RESULTS_CSV_HEADER``'s columns: a row per candidate,
    round and interviewer score (one row without a score where none was given), every cell
    safe to open in a spreadsheet (``csv_cell``)."""
    rows = []
    code = results["session"]["code"]
    for candidate in results["candidates"]:
        for rnd in candidate["rounds"]:
            rows.extend(_round_rows(code, candidate, rnd))
    return [[csv_cell(value) for value in row] for row in rows]


def _round_rows(code: str, candidate: dict, rnd: dict) -> list[list]:
    """A candidate's round as rows: one per interviewer score, or one without a score."""
    head = [code, candidate["participant_id"], candidate["name"], candidate["rank"]]
    body = [
        candidate["total"],
        rnd["position"],
        rnd["question_title"],
        rnd["category"],
        rnd["answer_id"] or "",
        "" if rnd["score"] is None else rnd["score"],
    ]
    means = ["" if skill["mean"] is None else skill["mean"] for skill in candidate["skills"]]
    tail = means + _signals_cells(rnd["signals"])
    tail += _coverage_cells(rnd["coverage"], rnd.get("verdict"))
    tail += [notes_text(rnd.get("notes", [])), notes_text(candidate.get("notes", []))]
    tail.append({True: "yes", False: "no"}.get(rnd["at_close"], ""))
    tail += [candidate[key] for key in ("joined_at", "asked", "answered", "mean")]
    revision, text = rnd["revision"] or "", rnd["text"] if rnd["text"] is not None else ""
    tests = _verdict_cells(rnd.get("verdict"))
    if not rnd["scores"]:
        return [head + body + ["", "", ""] + tail + [revision, "", text] + tests]
    return [
        head
        + body
        + [score["interviewer"], score["score"], score["feedback"]]
        + tail
        + [revision, score["revision"], text]
        + tests
        for score in rnd["scores"]
    ]


def _verdict_cells(verdict: dict | None) -> list:
    if verdict is None:
        return ["", "", "", ""]
    names = "; ".join(failure["name"] for failure in verdict["failures"])
    disputed = "yes" if verdict.get("disagreement") else "no"
    return [verdict["passed"], verdict["total"], names, disputed]


def _signals_cells(signals: dict) -> list:
    keys = ("summary", "left_tab", "away_s", "reloads", "lost_focus", "pastes", "pasted_chars")
    return [signals[key] for key in keys]


def _coverage_cells(coverage: dict | None, verdict: dict | None = None) -> list:
    if coverage is None:
        return ["", "", ""]
    suggested = coverage["suggested_score"]
    if verdict is not None and "suggested_score" in verdict:
        suggested = verdict["suggested_score"]
    points = coverage["points"]
    return [sum(points), len(points), "" if suggested is None else suggested]
