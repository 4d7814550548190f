"""A round as events and snapshots carry it: built from the round alone (its own copy of the
question it asked), no query. ``visibility`` cuts each payload per viewer. And a session's
heading, as its results and the API give it."""

from interview.content.rendering import key_points_html, markdown_html
from interview.domain.protocol import timestamp
from interview.models import InterviewSession, Question, Round


def session_heading(session: InterviewSession) -> dict:
    """The session's code, title, status and ranking rule, from the instance, no query."""
    return {
        "code": session.code,
        "title": session.title,
        "status": session.status,
        "ranking": session.ranking,
    }


def question_asked(rnd: Round, *, prompt: bool = True) -> dict:
    """The question as the round asked it: the round's copy, whatever the bank says since.

    With the prompt comes ``prompt_html``, the prompt's Markdown rendered (``rendering``).
    """
    question = {"id": rnd.question_id, "title": rnd.title, "kind": rnd.kind}
    if prompt:
        question |= {"prompt": rnd.prompt, "prompt_html": markdown_html(rnd.prompt)}
    return question | {"category": rnd.category, "difficulty": rnd.difficulty}


def model_answer_asked(rnd: Round) -> dict:
    """The round's model answer and key points, as text and rendered: the panel's alone
    while the session runs (``visibility``)."""
    return {
        "model_answer": rnd.model_answer,
        "model_answer_html": markdown_html(rnd.model_answer),
        "key_points": rnd.key_points,
        "key_points_html": key_points_html(rnd.key_points),
    }


def exercise_asked(rnd: Round) -> dict:
    """An exercise round's starter code, examples and hidden tests, as the round keeps them;
    nothing for the other kinds. The hidden tests are the panel's alone, even after the
    finish (``visibility``)."""
    if rnd.kind != Question.Kind.EXERCISE:
        return {}
    return {"starter_code": rnd.starter_code, "examples": rnd.examples, "tests": rnd.tests}


def round_payload(rnd: Round) -> dict:
    """Everything about a round that anyone may see; visibility cuts it per viewer."""
    return {
        "round_id": rnd.id,
        "position": rnd.position,
        "question": question_asked(rnd),
        "time_limit_s": rnd.time_limit_s,
        "deadline": timestamp(rnd.deadline),
        **model_answer_asked(rnd),
        **exercise_asked(rnd),
    }
