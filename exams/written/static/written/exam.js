/* The exam page. The server owns the clock and the answers; this script only
 * shows the server's remaining time and delivers every answer change, in order,
 * through a queue kept in localStorage so nothing is lost to a network cut or a
 * reload. Each save carries a rising sequence number; the server ignores older ones. */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  var api = root.dataset.api;
  var attemptId = root.dataset.attempt;
  var queueKey = "certify-queue-" + attemptId;
  var seqKey = "certify-seq-" + attemptId;
  var clock = document.getElementById("clock");
  var saveState = document.getElementById("save-state");
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var submitted = root.dataset.status !== "in_progress";

  // --- the clock: remaining seconds from the server, counted down on a monotonic timer ---
  var endsAt = performance.now() + Number(root.dataset.remaining) * 1000;
  var paused = false, pausePoll = null;
  function setPaused(on) {
    paused = !!on;
    document.getElementById("paused").hidden = !paused;
    document.querySelectorAll(".question input, .question textarea").forEach(function (el) { el.disabled = paused; });
    if (paused && !pausePoll) { pausePoll = setInterval(resync, 3000); }
    if (!paused && pausePoll) { clearInterval(pausePoll); pausePoll = null; flush(); }
  }
  function showClock() {
    if (paused) { return; }
    var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clock.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
    clock.classList.toggle("last-minutes", left <= 300);
    if (left === 0 && !submitted) { resync(); }
  }
  function resync() {
    return fetch(api + "clock/", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (c) {
      endsAt = performance.now() + c.remaining_seconds * 1000;
      setPaused(c.paused);
      if (c.status !== "in_progress") { showSubmitted(); }
    }).catch(function () { /* offline: keep counting; resync when back */ });
  }
  if (!submitted) {
    showClock();
    setInterval(showClock, 1000);
    setInterval(resync, 15000);  // also how soon a paused room reaches the page
  } else { clock.textContent = "00:00"; }

  // --- saving: a queue in localStorage, replayed in order ---
  function loadQueue() { try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch (e) { return []; } }
  function storeQueue(q) { localStorage.setItem(queueKey, JSON.stringify(q)); }
  function nextSeq() {
    var seq = Math.max(Number(localStorage.getItem(seqKey)) || 0, Number(root.dataset.maxSeq) || 0) + 1;
    localStorage.setItem(seqKey, String(seq));
    return seq;
  }
  function stamp(iso) { var d = iso ? new Date(iso) : new Date(); return d.toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"}); }
  function setState(text, unsaved) { saveState.textContent = text; saveState.classList.toggle("unsaved", !!unsaved); }

  var sending = false, retryDelay = 1000;
  function flush() {
    if (sending || submitted || paused) return;
    var queue = loadQueue();
    if (!queue.length) return;
    sending = true;
    var entry = queue[0];
    fetch(api + "answers/" + entry.position + "/", {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({value: entry.value, seq: entry.seq, flagged: entry.flagged})
    }).then(function (r) {
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      sending = false;
      if (res.status === 200) {
        storeQueue(loadQueue().filter(function (e) { return e.seq !== entry.seq; }));
        retryDelay = 1000;
        setState("已保存 " + stamp(res.body.saved_at));
        endsAt = performance.now() + res.body.remaining_seconds * 1000;
        flush();
      } else if (res.status === 423) {
        // The room is paused: keep the answer queued and send it after the resume.
        setState(res.body.detail, true);
        resync();
      } else if (res.status === 409) {
        storeQueue([]);
        setState(res.body.detail, true);
        showSubmitted();
      } else {
        // A refused answer (400/404) would never succeed: drop it and say why.
        storeQueue(loadQueue().filter(function (e) { return e.seq !== entry.seq; }));
        setState(res.body.detail || "保存失败", true);
        flush();
      }
    }).catch(function () {
      sending = false;
      setState("未保存，正在重试", true);
      setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    });
  }
  window.addEventListener("online", function () { retryDelay = 1000; flush(); resync(); });

  function currentValue(question) {
    if (question.dataset.type === "situational") { return question.querySelector("textarea").value; }
    return Array.prototype.map.call(question.querySelectorAll("input[name^=q]:checked"), function (i) { return i.value; });
  }
  function enqueue(question) {
    var position = Number(question.dataset.position);
    var value = currentValue(question);
    var flagged = question.querySelector(".flag-box").checked;
    var queue = loadQueue().filter(function (e) { return e.position !== position; });
    queue.push({position: position, value: value, flagged: flagged, seq: nextSeq()});
    storeQueue(queue);
    var nav = document.querySelector("[data-nav='" + position + "']");
    var answered = Array.isArray(value) ? value.length > 0 : value.trim().length > 0;
    nav.classList.toggle("answered", answered);
    nav.classList.toggle("flagged", flagged);
    setState("正在保存…", true);
    flush();
  }
  var timers = {};
  document.querySelectorAll(".question").forEach(function (question) {
    question.addEventListener("change", function () { enqueue(question); });
    var text = question.querySelector("textarea");
    if (text) {
      text.addEventListener("input", function () {
        clearTimeout(timers[question.dataset.position]);
        timers[question.dataset.position] = setTimeout(function () { enqueue(question); }, 800);
      });
      text.addEventListener("paste", function () { logEvent("paste"); });
    }
  });
  // Answers queued before a reload or crash go out first.
  if (loadQueue().length) { setState("未保存，正在重试", true); }
  flush();

  // --- one question at a time ---
  var body = document.querySelector(".exam-body");
  var questions = Array.prototype.slice.call(document.querySelectorAll(".question"));
  var current = 0;
  function show(i) {
    current = Math.max(0, Math.min(questions.length - 1, i));
    questions.forEach(function (q, k) { q.classList.toggle("current", k === current); });
  }
  document.getElementById("mode-toggle").addEventListener("click", function () {
    var one = body.classList.toggle("one-at-a-time");
    this.textContent = one ? "全部显示" : "逐题显示";
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
    document.getElementById("unanswered").textContent = missing.length ? "还有 " + missing.length + " 题未作答：第 " + missing.join("、") + " 题。" : "所有题目均已作答。";
    dialog.showModal();
  });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () {
    flushThen(function () {
      fetch(api + "submit/", {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
        .then(function () { dialog.close(); showSubmitted(); })
        .catch(function () { setState("网络中断，交卷未完成，请恢复网络后重试", true); });
    });
  });
  function flushThen(done) {
    if (!loadQueue().length) { done(); return; }
    flush();
    var waited = 0;
    var timer = setInterval(function () {
      waited += 200;
      if (!loadQueue().length || waited > 10000) { clearInterval(timer); done(); }
    }, 200);
  }
  function showSubmitted() {
    submitted = true;
    document.getElementById("submitted").hidden = false;
    body.hidden = true;
    document.getElementById("submit-open").hidden = true;
    clock.textContent = "00:00";
  }

  // --- integrity events: logged for the examiners, never punished automatically ---
  function logEvent(kind) {
    if (submitted) return;
    fetch(api + "events/", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify({kind: kind})}).catch(function () {});
  }
  document.addEventListener("visibilitychange", function () { if (document.hidden) logEvent("focus_loss"); });
})();
