"""The exam page's paper is built in Python (``exams.written.paper_html``), not by the template
language: the same markup, every value escaped, the candidate's answers and flags shown."""

from html.parser import HTMLParser

from exams.written.paper_html import paper_html

HOSTILE = '<script>alert("x")</script> & </textarea>'

QUESTIONS = [
    {
        "position": 1,
        "type": "single",
        "case": "",
        "stem": f"客户投诉{HOSTILE}\n第二行",
        "points": 1,
        "options": [{"letter": "A", "text": f"甲{HOSTILE}"}, {"letter": "B", "text": "乙"}],
        "value": ["B"],
        "flagged": True,
    },
    {
        "position": 2,
        "type": "multiple",
        "case": f"案例{HOSTILE}\n续",
        "stem": "多选",
        "points": "2.5",
        "options": [{"letter": letter, "text": letter.lower()} for letter in "ABC"],
        "value": ["A", "C"],
        "flagged": False,
    },
    {
        "position": 3,
        "type": "situational",
        "case": "",
        "stem": "情景",
        "points": 10,
        "options": [],
        "value": f"我的回答{HOSTILE}",
        "flagged": False,
    },
    {
        "position": 4,
        "type": "single",
        "case": "",
        "stem": "未答",
        "points": 1,
        "options": [{"letter": "A", "text": "x"}],
        "value": None,
        "flagged": False,
    },
]


class Page(HTMLParser):
    """What a browser would take from the markup: inputs, textareas, links and text."""

    def __init__(self):
        super().__init__()
        self.inputs, self.links, self.textareas, self.text, self.tags = [], [], {}, [], []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "a":
            self.links.append(attrs)
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.textareas[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.textareas[self._textarea] += data
        self.text.append(data)


def parse(html) -> Page:
    page = Page()
    page.feed(str(html))
    return page


def test_hostile_text_is_shown_as_text_never_as_markup():
    _nav, questions = paper_html(QUESTIONS)
    page = parse(questions)
    assert "script" not in page.tags and "<script>" not in str(questions)
    assert page.textareas == {"q3": f"我的回答{HOSTILE}"}  # the value itself, escaped in the markup
    assert any(HOSTILE in text for text in page.text)
    assert str(questions).count("<br>") == 2  # stem and case keep their line breaks


def test_the_candidates_answers_and_flags_are_shown():
    _nav, questions = paper_html(QUESTIONS)
    checked = {(i["name"], i["value"]) for i in parse(questions).inputs if "checked" in i and "name" in i}
    assert checked == {("q1", "B"), ("q2", "A"), ("q2", "C")}
    flags = [("checked" in i) for i in parse(questions).inputs if i.get("class") == "flag-box"]
    assert flags == [True, False, False, False]
    kinds = {i["name"]: i["type"] for i in parse(questions).inputs if "name" in i}
    assert kinds == {"q1": "radio", "q2": "checkbox", "q4": "radio"}
    assert (
        "[单选 · 1 分]" in str(questions)
        and "[多选 · 2.5 分]" in str(questions)
        and "[情景分析 · 10 分]" in str(questions)
    )


def test_the_navigator_marks_answered_and_flagged_questions():
    nav, _questions = paper_html(QUESTIONS)
    links = parse(nav).links
    assert [link["href"] for link in links] == ["#q1", "#q2", "#q3", "#q4"]
    assert [link["class"] for link in links] == ["answered flagged", "answered", "answered", ""]
    assert links[0]["aria-label"] == "第 1 题（已答）" and links[3]["aria-label"] == "第 4 题"
