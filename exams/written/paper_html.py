"""The exam page's paper as HTML: the question navigator and the questions with the candidate's
saved answers.

A whole sitting opens this page in the same minute, and every paper is a different one, so it
cannot be cached: it is built here in Python rather than by the template language, whose loops
over a hundred questions and their options cost about 35 ms of CPU a page (``bench/request_cost.py``
``exam_page``). The markup is the one ``written/exam.html`` had inline; every value is escaped
as the template escaped it (``conditional_escape``, ``linebreaksbr``), and the words are the
same translated strings.
"""

from __future__ import annotations

import html

from django.template.defaultfilters import linebreaksbr
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def _text(value) -> str:
    """A value as ``{{ value }}`` renders it (texts and whole numbers without Django's lazy
    wrappers: a paper has a few thousand of them)."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:
        return str(value)
    return conditional_escape(localize(value))


def paper_html(questions: list[dict]) -> tuple[SafeString, SafeString]:
    """(the navigator's links, the questions' list items) for ``questions`` as the exam view
    builds them: the paper's questions, each with the candidate's ``value`` and ``flagged``."""
    kinds = {"single": _text(_("单选")), "multiple": _text(_("多选"))}
    situational, flag = _text(_("情景分析")), _text(_("标记此题"))
    prev, next_, answered_mark = _text(_("上一题")), _text(_("下一题")), _text(_("（已答）"))
    nav, items = [], []
    for q in questions:
        position, kind, value = _text(q["position"]), q["type"], q["value"]
        classes = ("answered" if value else "") + (" flagged" if q["flagged"] else "")
        label = _text(_("第 %(n)s 题") % {"n": q["position"]}) + (answered_mark if value else "")
        nav.append(
            f'<a href="#q{position}" data-nav="{position}" class="{classes}" aria-label="{label}">{position}</a>'
        )
        points = _text(_("%(p)s 分") % {"p": localize(q["points"])})
        parts = [
            f'<li class="question" id="q{position}" data-position="{position}" data-type="{_text(kind)}">',
            "<fieldset>",
            f'<legend><strong>{position}.</strong> <span class="muted">[{kinds.get(kind, situational)} · {points}]'
            "</span></legend>",
        ]
        if q["case"]:
            parts.append(f'<p class="case">{linebreaksbr(q["case"], autoescape=True)}</p>')
        parts.append(f"<p>{linebreaksbr(q['stem'], autoescape=True)}</p>")
        if kind == "situational":
            answer_label = _text(_("第 %(n)s 题作答") % {"n": q["position"]})
            parts.append(
                f'<textarea rows="6" name="q{position}" aria-label="{answer_label}">{_text(value or "")}</textarea>'
            )
        else:
            box = "checkbox" if kind == "multiple" else "radio"
            chosen = value if isinstance(value, list) else ()
            for option in q["options"]:
                letter = _text(option["letter"])
                checked = " checked" if option["letter"] in chosen else ""
                parts.append(
                    f'<label class="option"><input type="{box}" name="q{position}" value="{letter}"{checked}> '
                    f"{letter}. {_text(option['text'])}</label>"
                )
        flagged = " checked" if q["flagged"] else ""
        parts.append(f'<label class="flag"><input type="checkbox" class="flag-box"{flagged}> {flag}</label>')
        parts.append("</fieldset>")
        parts.append(
            f'<p class="step"><button type="button" class="button secondary prev">{prev}</button> '
            f'<button type="button" class="button secondary next">{next_}</button></p>'
        )
        parts.append("</li>")
        items.append("\n".join(parts))
    return mark_safe("".join(nav)), mark_safe("\n".join(items))
