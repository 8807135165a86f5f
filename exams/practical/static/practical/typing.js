/* The typing test. The server owns the clock; the page shows its remaining time and sends the
 * whole typed text, debounced, through the shared save queue (exams/common.js) with one slot:
 * only the newest unacknowledged text waits in localStorage, so a network cut or a reload loses
 * nothing. Paste, drop and autocomplete are refused and each attempt is reported. */
(function () {
  "use strict";
  var root = document.getElementById("typing");
  if (!root) return;
  var E = window.certifyExam;
  var api = root.dataset.api;
  var duration = Number(root.dataset.duration);
  var setState = E.saveState(document.getElementById("save-state"));
  var notice = document.getElementById("notice");
  var typed = document.getElementById("typed");
  var submitted = root.dataset.status !== "in_progress";
  var keystrokes = 0;
  var acked = typed.value;  // the text the server holds

  function say(text) { notice.textContent = text; notice.hidden = false; clearTimeout(say.t); say.t = setTimeout(function () { notice.hidden = true; }, 5000); }

  // --- the clock, and the live count: the net 字/分 that will be scored ---
  // The rule of grading/scoring/typing.py: both texts NFKC without whitespace; the typed text is
  // aligned with its closest passage prefix passage[:k] (edit distance E, ties to the larger k);
  // net = max(0, k − E) ÷ minutes, over the time used only when the whole passage was typed
  // (k = its length) and over the full time limit otherwise.
  var limitSeconds = Number(root.dataset.limitSeconds);
  function normalize(text) { return text.normalize("NFKC").replace(/\s+/g, ""); }
  var passage = normalize(document.querySelector(".passage").textContent);
  function bestPrefix(text) {
    var n = passage.length, m = text.length, row = new Int32Array(n + 1), k, i;
    for (k = 0; k <= n; k += 1) { row[k] = k; }
    for (i = 1; i <= m; i += 1) {  // row[k]: distance(text[:i], passage[:k])
      var diagonal = row[0], ch = text.charCodeAt(i - 1);
      row[0] = i;
      for (k = 1; k <= n; k += 1) {
        var above = row[k];
        row[k] = Math.min(above + 1, row[k - 1] + 1, diagonal + (passage.charCodeAt(k - 1) === ch ? 0 : 1));
        diagonal = above;
      }
    }
    var best = 0;
    for (k = 1; k <= n; k += 1) { if (row[k] <= row[best]) { best = k; } }
    return {k: best, e: row[best]};
  }
  var aligned = {text: null, k: 0, e: 0};
  function netCpm(elapsedSeconds) {
    var text = normalize(typed.value);
    if (text !== aligned.text) { var r = bestPrefix(text); aligned = {text: text, k: r.k, e: r.e}; }
    var whole = aligned.k === passage.length && passage.length > 0;
    var seconds = Math.max(1, Math.min(whole ? elapsedSeconds : limitSeconds, limitSeconds));
    return {count: text.length, net: Math.max(0, aligned.k - aligned.e) / (seconds / 60)};
  }
  var clock = E.countdown({
    element: document.getElementById("clock"),
    remaining: root.dataset.remaining,
    warnAt: 60,
    onTick: function (s) {
      var live = netCpm(duration - s);
      document.getElementById("typed-count").textContent = live.count;
      document.getElementById("cpm").textContent = live.net.toFixed(1);
    },
    onZero: function () { if (!submitted) { finish(); } }
  });
  function resync() {
    return E.request("GET", api).then(function (res) {
      if (res.status !== 200) return;
      clock.sync(res.body.remaining_seconds);
      if (res.body.status !== "in_progress") { showSubmitted(); }
    }).catch(function () {});
  }
  window.addEventListener("online", resync);

  // --- saving: the newest text, replayed until acknowledged ---
  var queue = E.SaveQueue({
    key: "certify-typing-" + root.dataset.attempt,
    seqKey: "certify-typing-seq-" + root.dataset.attempt,
    maxSeq: root.dataset.maxSeq,
    slot: function () { return "text"; },
    blocked: function () { return submitted; },
    send: function (entry) { return E.request("PUT", api, {text: entry.text, seq: entry.seq, keystrokes: entry.keystrokes}); },
    onSaved: function (entry, ack) {
      acked = entry.text;
      setState("已保存 " + E.stamp(ack.saved_at));
      clock.sync(ack.remaining_seconds);
    },
    onClosed: function (res) { setState(res.body.detail || "保存失败", true); showSubmitted(); },
    onRefused: function (entry, res) { setState(res.body.detail || "保存失败", true); },
    onOffline: function () { setState("未保存，正在重试", true); }
  });
  function enqueue() {
    setState("正在保存…", true);
    queue.put({text: typed.value, keystrokes: keystrokes});
  }
  var timer = null;
  typed.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(enqueue, 700);
  });
  typed.addEventListener("keydown", function (e) {
    if (!/^(Shift|Control|Alt|Meta|CapsLock)$/.test(e.key)) { keystrokes += 1; }
  });

  // --- refused input: paste, drop, autocomplete ---
  var logEvent = E.eventLogger(api + "events/", function () { return submitted; });
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
  document.addEventListener("visibilitychange", function () { if (document.hidden) logEvent("focus_loss"); });
  window.addEventListener("blur", function () { logEvent("focus_loss"); });

  // --- submitting, by the candidate or at the deadline ---
  var finishing = false;
  function finish() {
    if (submitted || finishing) return;
    finishing = true;
    clearTimeout(timer);
    var last = queue.pending()[0];
    if (typed.value !== acked && !(last && last.text === typed.value)) { enqueue(); }
    queue.drain(function () {
      E.request("POST", api + "submit/")
        .then(function (res) { if (res.status !== 200) { throw new Error(res.status); } showSubmitted(); })
        .catch(function () {
          finishing = false;
          setState("网络中断，提交未完成：恢复网络后将自动提交", true);
          setTimeout(finish, 3000);
        });
    });
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
    clock.stop();
  }

  if (!submitted) {
    var kept = queue.pending()[0];
    if (kept && kept.seq > Number(root.dataset.maxSeq)) {
      typed.value = kept.text;  // newer than the server's copy: keep typing from it
      keystrokes = kept.keystrokes || 0;
      setState("未保存，正在重试", true);
    }
    queue.flush();
    clock.start();
    setInterval(resync, 15000);
    typed.focus();
  } else {
    queue.clear();
    clock.stop();
  }
})();
