/* The written exam page: the start, then the paper. The server owns the clock and the answers;
 * this script draws the paper from the attempt's JSON (the start's reply, or the state embedded
 * in the page on a reload), shows the server's remaining time and delivers every answer change,
 * in order, through the shared save queue (exams/common.js), so nothing is lost to a network
 * cut or a reload. Its requests carry the page's own API token (data-token), so the server
 * answers the start, the saves and the clock at its edge. */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var E = window.certifyExam;
  if (root.dataset.status === "submitted") {
    // Handed in: the server's page says when and what comes next; nothing here can change.
    localStorage.removeItem("certify-queue-" + root.dataset.attempt);
    return;
  }
  var words = JSON.parse(document.getElementById("exam-words").textContent);
  E.useToken(root.dataset.token);
  if (root.dataset.status === "in_progress") {
    begin(JSON.parse(document.getElementById("paper-state").textContent));
  } else {
    waitForStart();
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return values[name]; });
  }

  /* 开始答题: the start API with the page's token. A refusal with a reason (not open yet, closed,
   * absent) is shown on the page; a refused token falls back to the page's own form, which
   * starts with the session. */
  function waitForStart() {
    var form = document.getElementById("start-form");
    var button = document.getElementById("start-button");
    var error = document.getElementById("start-error");
    function refused(text) { error.textContent = text; error.hidden = false; button.disabled = false; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      error.hidden = true;
      E.request("POST", root.dataset.start).then(function (res) {
        if (res.status === 200) { begin(res.body); return; }
        if (res.status === 400 && res.body.detail) { refused(res.body.detail); return; }
        form.submit();
      }).catch(function () { refused(words.start_offline); });
    });
  }

  // --- the paper, drawn from the attempt's JSON (every text set as text, never as markup) ---
  function node(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    (children || []).forEach(function (child) {
      element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return element;
  }
  function lines(tag, attributes, text) {
    var element = node(tag, attributes);
    String(text).split(/\r\n|\r|\n/).forEach(function (line, i) {
      if (i) element.appendChild(document.createElement("br"));
      element.appendChild(document.createTextNode(line));
    });
    return element;
  }
  function questionItem(q) {
    var p = q.position;
    var fieldset = node("fieldset", {}, [
      node("legend", {}, [node("strong", {}, [p + "."]), " ",
        node("span", {"class": "muted"}, ["[" + (words[q.type] || words.situational) + " · " + fill(words.points, {p: q.points}) + "]"])])
    ]);
    if (q["case"]) fieldset.appendChild(lines("p", {"class": "case"}, q["case"]));
    fieldset.appendChild(lines("p", {}, q.stem));
    if (q.type === "situational") {
      fieldset.appendChild(node("textarea", {rows: "6", name: "q" + p, "aria-label": fill(words.answer_label, {n: p})}));
    } else {
      q.options.forEach(function (option) {
        var input = node("input", {type: q.type === "multiple" ? "checkbox" : "radio", name: "q" + p, value: option.letter});
        fieldset.appendChild(node("label", {"class": "option"}, [input, " " + option.letter + ". " + option.text]));
      });
    }
    fieldset.appendChild(node("label", {"class": "flag"}, [node("input", {type: "checkbox", "class": "flag-box"}), " " + words.flag]));
    return node("li", {"class": "question", id: "q" + p, "data-position": String(p), "data-type": q.type}, [
      fieldset,
      node("p", {"class": "step"}, [
        node("button", {type: "button", "class": "button secondary prev"}, [words.prev]), " ",
        node("button", {type: "button", "class": "button secondary next"}, [words.next])
      ])
    ]);
  }
  function drawPaper(questions) {
    var links = document.createDocumentFragment(), items = document.createDocumentFragment();
    questions.forEach(function (q) {
      var label = fill(words.question, {n: q.position});
      links.appendChild(node("a", {href: "#q" + q.position, "data-nav": String(q.position), "aria-label": label}, [String(q.position)]));
      items.appendChild(questionItem(q));
    });
    var grid = document.getElementById("nav-grid");
    grid.insertBefore(links, grid.firstChild);
    document.querySelector(".questions").appendChild(items);
  }
  /* A value (the server's saved one, or one still queued from before a reload) into its question. */
  function showValue(position, value, flagged) {
    var question = document.getElementById("q" + position);
    if (!question) return;
    if (question.dataset.type === "situational") {
      question.querySelector("textarea").value = typeof value === "string" ? value : "";
    } else {
      var chosen = Array.isArray(value) ? value : [];
      question.querySelectorAll("input[name^=q]").forEach(function (i) { i.checked = chosen.indexOf(i.value) >= 0; });
    }
    question.querySelector(".flag-box").checked = !!flagged;
    mark(position, value, !!flagged);
  }
  function mark(position, value, flagged) {
    var nav = document.querySelector("[data-nav='" + position + "']");
    var answered = Array.isArray(value) ? value.length > 0 : typeof value === "string" && value.trim().length > 0;
    nav.classList.toggle("answered", answered);
    nav.classList.toggle("flagged", flagged);
    nav.setAttribute("aria-label", fill(words.question, {n: position}) + (answered ? words.answered_mark : ""));
    countAnswered();
  }
  function countAnswered() {
    var all = document.querySelectorAll("[data-nav]");
    var done = document.querySelectorAll("[data-nav].answered").length;
    document.querySelector("[data-nav-count]").textContent = done + " / " + all.length;
    return done;
  }

  /* The attempt, from the start's reply or the embedded state: draw it, then run it. */
  function begin(state) {
    if (state.status !== "in_progress") { window.location.reload(); return; }  // handed in meanwhile: the summary
    root.dataset.attempt = state.id;
    root.dataset.status = state.status;
    var api = "/api/attempts/" + state.id + "/";
    var body = document.querySelector(".exam-body");
    drawPaper(state.questions);
    var maxSeq = 0;
    Object.keys(state.answers).forEach(function (position) {
      var saved = state.answers[position];
      showValue(position, saved.value, saved.flagged);
      maxSeq = Math.max(maxSeq, saved.seq);
    });
    var start = document.getElementById("start");
    if (start) start.remove();
    document.querySelector(".exam-bar").hidden = false;
    body.hidden = false;
    var setState = E.saveState(document.getElementById("save-state"));
    var answeredCount = countAnswered();
    setState(answeredCount ? fill(words.answered_count, {n: answeredCount, total: state.questions.length}) : words.none_answered);
    var submitted = false;
    var paused = false, pausePoll = null, signedOut = false;

    // --- the clock: remaining seconds from the server; frozen while the room is paused ---
    var clock = E.countdown({
      element: document.getElementById("clock"),
      remaining: state.remaining_seconds,
      warnAt: 300,
      onZero: atZero
    });
    // At zero the server submits the paper once the grace for saves in flight is over. Every page
    // of a sitting reaches zero in the same second, so the page sends what it holds and asks once,
    // then after the grace and every few seconds, each time at a random moment: a whole sitting
    // never asks in the same second (the clock ticks onZero every second while it shows zero).
    var zeroPoll = null;
    function atZero() {
      if (submitted || zeroPoll) return;
      queue.flush();
      resync();
      var grace = (Number(root.dataset.grace) || 0) * 1000;
      zeroPoll = setTimeout(function ask() {
        if (submitted) return;
        if (clock.left() > 0) { zeroPoll = null; return; }  // more time (extra time, a pause): the clock runs again
        resync().then(function () { zeroPoll = setTimeout(ask, 3000 + Math.random() * 4000); });
      }, grace + 1000 + Math.random() * 5000);
    }
    function setPaused(on) {
      paused = !!on;
      clock.freeze(paused);
      document.getElementById("paused").hidden = !paused;
      document.querySelectorAll(".question input, .question textarea").forEach(function (el) { el.disabled = paused; });
      if (paused && !pausePoll) { pausePoll = setInterval(resync, 3000); }
      if (!paused && pausePoll) { clearInterval(pausePoll); pausePoll = null; queue.flush(); }
    }
    function resync() {
      return E.request("GET", api + "clock/").then(function (res) {
        if (res.status === 401) { tokenRefused(); return; }
        if (res.status !== 200) return;
        tokenAccepted();
        clock.sync(res.body.remaining_seconds);
        setPaused(res.body.paused);
        if (res.body.status !== "in_progress") { showSubmitted(); }
      }).catch(function () { /* offline: keep counting; resync when back */ });
    }
    window.addEventListener("online", resync);

    // --- saving: one entry per question, replayed in order ---
    var queue = E.SaveQueue({
      key: "certify-queue-" + root.dataset.attempt,
      seqKey: "certify-seq-" + root.dataset.attempt,
      maxSeq: maxSeq,
      slot: function (entry) { return entry.position; },
      blocked: function () { return submitted || paused || signedOut; },
      send: function (entry) {
        return E.request("PUT", api + "answers/" + entry.position + "/", {value: entry.value, seq: entry.seq, flagged: entry.flagged});
      },
      onSaved: function (entry, ack) {
        tokenAccepted();
        setState(fill(words.saved, {time: E.stamp(ack.saved_at)}));
        clock.sync(ack.remaining_seconds);
      },
      onPaused: function (res) { setState(res.body.detail, true); resync(); },
      onClosed: function (res) { setState(res.body.detail, true); showSubmitted(); },
      onUnauthorized: function () { tokenRefused(); },
      onRefused: function (entry, res) { setState(res.body.detail || words.save_failed, true); },
      onOffline: function () { setState(words.unsaved, true); }
    });

    function currentValue(question) {
      if (question.dataset.type === "situational") { return question.querySelector("textarea").value; }
      return Array.prototype.map.call(question.querySelectorAll("input[name^=q]:checked"), function (i) { return i.value; });
    }
    function enqueue(question) {
      var position = Number(question.dataset.position);
      var value = currentValue(question);
      var flagged = question.querySelector(".flag-box").checked;
      mark(position, value, flagged);
      setState(words.saving, true);
      queue.put({position: position, value: value, flagged: flagged});
    }
    /* An answer still queued from before a reload is newer than the server's: show it. */
    function showQueued(entry) { showValue(entry.position, entry.value, entry.flagged); }
    var logEvent = E.eventLogger(api + "events/", function () { return submitted; });
    var timers = {};
    document.querySelectorAll(".question").forEach(function (question) {
      question.addEventListener("change", function () { enqueue(question); });
      var text = question.querySelector("textarea");
      if (text) {
        text.addEventListener("input", function () {
          clearTimeout(timers[question.dataset.position]);
          timers[question.dataset.position] = setTimeout(function () {
            delete timers[question.dataset.position];
            enqueue(question);
          }, 800);
        });
        text.addEventListener("paste", function () { logEvent("paste"); });
      }
    });
    document.addEventListener("visibilitychange", function () { if (document.hidden) logEvent("focus_loss"); });

    // --- the page's token refused (revoked at sign-out, expired): nothing is lost ---
    // Every answer stays queued in localStorage. The page reloads once, which issues a fresh token
    // and sends the queue; if the server still refuses (or the sign-in itself is gone, and the
    // candidate comes back from the login page), the candidate is told to sign in again.
    var reloadedKey = "certify-reauth-" + root.dataset.attempt;
    function tokenRefused() {
      if (signedOut) return;
      signedOut = true;  // the queue holds everything from now on
      Object.keys(timers).forEach(function (position) {
        clearTimeout(timers[position]);
        delete timers[position];
        enqueue(document.getElementById("q" + position));
      });
      var reloaded = true;
      try { reloaded = !!sessionStorage.getItem(reloadedKey); sessionStorage.setItem(reloadedKey, "1"); } catch (e) { /* no storage: do not risk a loop */ }
      if (!reloaded) { window.location.reload(); return; }
      document.getElementById("signed-out").hidden = false;
      setState(words.signed_out, true);
    }
    function tokenAccepted() {
      try { sessionStorage.removeItem(reloadedKey); } catch (e) { /* nothing to clear */ }
    }

    // --- the navigator: folded on a phone; the answered count on its button ---
    var navBox = document.querySelector(".navigator");
    document.querySelector(".nav-toggle").addEventListener("click", function () {
      var open = navBox.classList.toggle("open");
      this.setAttribute("aria-expanded", open ? "true" : "false");
    });

    // --- one question at a time ---
    var questions = Array.prototype.slice.call(document.querySelectorAll(".question"));
    var current = 0;
    function show(i) {
      current = Math.max(0, Math.min(questions.length - 1, i));
      questions.forEach(function (q, k) { q.classList.toggle("current", k === current); });
    }
    document.getElementById("mode-toggle").addEventListener("click", function () {
      var one = body.classList.toggle("one-at-a-time");
      this.textContent = one ? words.show_all : words.one_at_a_time;
      show(current);
    });
    questions.forEach(function (q, k) {
      q.querySelector(".prev").addEventListener("click", function () { show(k - 1); });
      q.querySelector(".next").addEventListener("click", function () { show(k + 1); });
    });
    document.querySelectorAll("[data-nav]").forEach(function (a, k) { a.addEventListener("click", function () { show(k); }); });

    // --- submitting ---
    var dialog = document.getElementById("submit-dialog");
    document.getElementById("submit-open").addEventListener("click", function () {
      var missing = Array.prototype.filter.call(document.querySelectorAll("[data-nav]"), function (a) { return !a.classList.contains("answered"); })
        .map(function (a) { return a.dataset.nav; });
      document.getElementById("unanswered").textContent = missing.length ? fill(words.unanswered, {n: missing.length, list: missing.join("、")}) : words.all_answered;
      dialog.showModal();
    });
    document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
    document.getElementById("submit-confirm").addEventListener("click", function () {
      queue.drain(function () {
        E.request("POST", api + "submit/")
          .then(function (res) {
            dialog.close();
            if (res.status === 401) { tokenRefused(); return; }
            showSubmitted();
          })
          .catch(function () { setState(words.submit_offline, true); });
      });
    });
    function showSubmitted() {
      // One state, the server's (已交卷 at hh:mm, the answered count, what comes next): the same
      // page as after a reload.
      if (submitted) return;
      submitted = true;
      body.hidden = true;
      document.querySelectorAll(".exam-bar > span, .exam-bar > button").forEach(function (el) { el.hidden = true; });
      clock.stop();
      window.location.reload();
    }

    clock.start();
    setInterval(resync, 15000);  // also how soon a paused room reaches the page
    // Answers queued before a reload or crash are shown, and go out first.
    queue.pending().forEach(showQueued);
    if (queue.pending().length) { setState(words.unsaved, true); }
    queue.flush();
  }
})();
