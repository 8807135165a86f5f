/* The typing test. The server owns the clock; the page shows its remaining time and
 * sends the whole typed text, debounced, with a rising sequence number. The newest
 * unacknowledged text waits in localStorage, so a network cut or a reload loses nothing.
 * Paste, drop and autocomplete are refused and each attempt is reported. */
(function () {
  "use strict";
  var root = document.getElementById("typing");
  if (!root) return;
  var api = root.dataset.api;
  var pendingKey = "certify-typing-" + root.dataset.attempt;
  var seqKey = "certify-typing-seq-" + root.dataset.attempt;
  var duration = Number(root.dataset.duration);
  var clock = document.getElementById("clock");
  var saveState = document.getElementById("save-state");
  var notice = document.getElementById("notice");
  var typed = document.getElementById("typed");
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var submitted = root.dataset.status !== "in_progress";
  var keystrokes = 0;
  var acked = typed.value;  // the text the server holds

  function setState(text, unsaved) { saveState.textContent = text; saveState.classList.toggle("unsaved", !!unsaved); }
  function stamp(iso) { return new Date(iso).toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"}); }
  function say(text) { notice.textContent = text; notice.hidden = false; clearTimeout(say.t); say.t = setTimeout(function () { notice.hidden = true; }, 5000); }

  // --- the clock ---
  var endsAt = performance.now() + Number(root.dataset.remaining) * 1000;
  function left() { return Math.max(0, Math.round((endsAt - performance.now()) / 1000)); }
  function showClock() {
    var s = left();
    clock.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    clock.classList.toggle("last-minutes", s <= 60);
    var count = typed.value.replace(/\s+/g, "").length;
    var minutes = (duration - s) / 60;
    document.getElementById("typed-count").textContent = count;
    document.getElementById("cpm").textContent = minutes > 0.05 ? Math.round(count / minutes) : 0;
    if (s === 0 && !submitted) { finish(); }
  }
  function resync() {
    return fetch(api, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (state) {
      endsAt = performance.now() + state.remaining_seconds * 1000;
      if (state.status !== "in_progress") { showSubmitted(); }
    }).catch(function () {});
  }

  // --- saving: the newest text, replayed until acknowledged ---
  function pending() { try { return JSON.parse(localStorage.getItem(pendingKey)); } catch (e) { return null; } }
  function nextSeq() {
    var seq = Math.max(Number(localStorage.getItem(seqKey)) || 0, Number(root.dataset.maxSeq) || 0) + 1;
    localStorage.setItem(seqKey, String(seq));
    return seq;
  }
  function enqueue() {
    localStorage.setItem(pendingKey, JSON.stringify({text: typed.value, seq: nextSeq(), keystrokes: keystrokes}));
    setState("正在保存…", true);
    flush();
  }
  var sending = false, retryDelay = 1000;
  function flush() {
    var entry = pending();
    if (sending || submitted || !entry) return Promise.resolve();
    sending = true;
    return fetch(api, {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(entry)
    }).then(function (r) {
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      sending = false;
      var now = pending();
      if (res.status === 200) {
        if (now && now.seq === entry.seq) { localStorage.removeItem(pendingKey); }
        acked = entry.text;
        retryDelay = 1000;
        setState("已保存 " + stamp(res.body.saved_at || new Date().toISOString()));
        endsAt = performance.now() + res.body.remaining_seconds * 1000;
        return flush();
      }
      localStorage.removeItem(pendingKey);
      setState(res.body.detail || "保存失败", true);
      if (res.status === 409) { showSubmitted(); }
    }).catch(function () {
      sending = false;
      setState("未保存，正在重试", true);
      setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    });
  }
  window.addEventListener("online", function () { retryDelay = 1000; flush(); resync(); });

  var timer = null;
  typed.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(enqueue, 700);
  });
  typed.addEventListener("keydown", function (e) {
    if (!/^(Shift|Control|Alt|Meta|CapsLock)$/.test(e.key)) { keystrokes += 1; }
  });

  // --- refused input: paste, drop, autocomplete ---
  function logEvent(kind) {
    if (submitted) return;
    fetch(api + "events/", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify({kind: kind})}).catch(function () {});
  }
  function refuse(e) {
    e.preventDefault();
    say("考试中禁止粘贴或拖放文字，本次操作已记录。");
    logEvent("paste");
  }
  typed.addEventListener("paste", refuse);
  typed.addEventListener("drop", refuse);
  typed.addEventListener("beforeinput", function (e) {
    if (/^insertFrom(Paste|Drop|Yank)|insertReplacementText$/.test(e.inputType || "")) { refuse(e); }
  });
  document.querySelector(".passage").addEventListener("copy", function (e) { e.preventDefault(); });
  var lastFocusLoss = 0;
  function focusLost() {
    var now = Date.now();
    if (now - lastFocusLoss > 1000) { lastFocusLoss = now; logEvent("focus_loss"); }
  }
  document.addEventListener("visibilitychange", function () { if (document.hidden) focusLost(); });
  window.addEventListener("blur", focusLost);

  // --- submitting, by the candidate or at the deadline ---
  var finishing = false;
  function finish() {
    if (submitted || finishing) return;
    finishing = true;
    clearTimeout(timer);
    var last = pending();
    if (typed.value !== acked && !(last && last.text === typed.value)) { enqueue(); } else { flush(); }
    var waited = 0;
    var poll = setInterval(function () {
      waited += 200;
      if (pending() && waited < 10000) { flush(); return; }
      clearInterval(poll);
      fetch(api + "submit/", {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } showSubmitted(); })
        .catch(function () {
          finishing = false;
          setState("网络中断，提交未完成：恢复网络后将自动提交", true);
          setTimeout(finish, 3000);
        });
    }, 200);
  }
  var dialog = document.getElementById("submit-dialog");
  document.getElementById("submit-open").addEventListener("click", function () { dialog.showModal(); });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("submit-confirm").addEventListener("click", function () {
    dialog.close();
    finish();
  });
  function showSubmitted() {
    submitted = true;
    typed.disabled = true;
    document.getElementById("submitted").hidden = false;
    document.querySelector(".typing-body").hidden = true;
    document.getElementById("submit-open").hidden = true;
    clock.textContent = "00:00";
  }

  if (!submitted) {
    var kept = pending();
    if (kept && kept.seq > Number(root.dataset.maxSeq)) {
      typed.value = kept.text;  // newer than the server's copy: keep typing from it
      keystrokes = kept.keystrokes || 0;
      setState("未保存，正在重试", true);
    }
    flush();
    showClock();
    setInterval(showClock, 1000);
    setInterval(resync, 15000);
    typed.focus();
  } else {
    localStorage.removeItem(pendingKey);
    clock.textContent = "00:00";
  }
})();
