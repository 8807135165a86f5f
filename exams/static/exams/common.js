/* What the three timed exam pages share (the written paper, typing, business entry): the CSRF
 * token, JSON requests, the server's clock counted down on a monotonic timer, the save queue
 * with rising sequence numbers kept in localStorage, the save-state line, and integrity events.
 *
 * The server owns the clock and the answers. A page shows the server's remaining seconds and
 * delivers every change, in order, through a queue that survives a network cut, a reload or a
 * crash; each save carries a sequence number, and the server ignores one older than it holds.
 * Exposed as window.certifyExam. */
(function () {
  "use strict";

  function csrf() { return (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || ""; }

  /* The page's own API token (data-token, issued with the page): once set, every request sends
   * it, and the server answers the hot ones (the written paper's saves) at its edge. */
  var apiToken = "";
  function useToken(key) { apiToken = key || ""; }

  /* A JSON request with the session's CSRF token (and the page's API token if it has one);
   * resolves to {status, body}, rejects only when the network fails. */
  function request(method, url, body) {
    var headers = {"Content-Type": "application/json", "X-CSRFToken": csrf()};
    if (apiToken) { headers.Authorization = "Token " + apiToken; }
    return fetch(url, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return {status: r.status, body: b}; });
    });
  }

  /* hh:mm:ss in Beijing time, whatever the computer's own time zone. */
  function stamp(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"});
  }

  /* The line that tells the candidate whether their work is saved. */
  function saveState(element) {
    return function (text, unsaved) {
      element.textContent = text;
      element.classList.toggle("unsaved", !!unsaved);
    };
  }

  /* The countdown: the server's remaining seconds, counted on performance.now() (the computer's
   * clock may be wrong or changed; a monotonic timer is not). options: element, remaining,
   * warnAt (seconds left when the clock turns red), onTick(left), onZero(). */
  function countdown(options) {
    // A finished part's page has no clock: count into a detached element.
    options.element = options.element || document.createElement("span");
    var endsAt = performance.now() + Number(options.remaining) * 1000;
    var frozen = false, timer = null;
    function left() { return Math.max(0, Math.round((endsAt - performance.now()) / 1000)); }
    function show() {
      if (frozen) return;
      var s = left(), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      options.element.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
      options.element.classList.toggle("last-minutes", s <= (options.warnAt || 300));
      if (options.onTick) { options.onTick(s); }
      if (s === 0 && options.onZero) { options.onZero(); }
    }
    return {
      start: function () { show(); timer = setInterval(show, 1000); },
      stop: function (text) { clearInterval(timer); options.element.textContent = text || "00:00"; },
      sync: function (seconds) { endsAt = performance.now() + Number(seconds) * 1000; },
      freeze: function (on) { frozen = !!on; },
      left: left
    };
  }

  /* The save queue, kept in localStorage under options.key and replayed in order until each
   * entry is acknowledged. options:
   *   key, seqKey    where the queue and the last sequence number live (one per attempt)
   *   maxSeq         the highest sequence number the server already holds (from the page)
   *   slot(entry)    entries with the same slot replace each other (the written paper: the
   *                  question; typing: one slot, the whole text)
   *   send(entry)    → request(...) promise of {status, body}
   *   onSaved(entry, body), onRefused(entry, res), onClosed(res), onPaused(res), onOffline(),
   *   onUnauthorized(res)
   *   blocked()      true while nothing may be sent (submitted, the room paused)
   * Statuses: 200 acknowledged (removed); 423 paused (kept, sent after the resume); 401 the
   * sign-in or the page's token is no longer valid (kept: the answer is not at fault; the page
   * gets a new sign-in and flushes again); 409 the part is closed (the queue is dropped: nothing
   * more can be saved); any other answer is a refusal that would never succeed (dropped, with
   * the server's reason). A network failure keeps the entry and retries with a growing delay. */
  function SaveQueue(options) {
    var seqKey = options.seqKey;
    var sending = false, retryDelay = 1000;
    function load() {
      var queue = null;
      try { queue = JSON.parse(localStorage.getItem(options.key)); } catch (e) { /* unreadable: start afresh */ }
      return Array.isArray(queue) ? queue : [];
    }
    function store(queue) {
      try { localStorage.setItem(options.key, JSON.stringify(queue)); } catch (e) { /* storage full: still sent */ }
    }
    function nextSeq() {
      var seq = Math.max(Number(localStorage.getItem(seqKey)) || 0, Number(options.maxSeq) || 0) + 1;
      localStorage.setItem(seqKey, String(seq));
      return seq;
    }
    function remove(seq) { store(load().filter(function (e) { return e.seq !== seq; })); }
    function flush() {
      if (sending || options.blocked()) return;
      var queue = load();
      if (!queue.length) return;
      sending = true;
      var entry = queue[0];
      options.send(entry).then(function (res) {
        sending = false;
        retryDelay = 1000;
        if (res.status === 200) {
          remove(entry.seq);
          options.onSaved(entry, res.body);
          flush();
        } else if (res.status === 423) {
          if (options.onPaused) { options.onPaused(res); }
        } else if (res.status === 401) {
          if (options.onUnauthorized) { options.onUnauthorized(res); } else { options.onRefused(entry, res); }
        } else if (res.status === 409) {
          store([]);
          options.onClosed(res);
        } else {
          remove(entry.seq);
          options.onRefused(entry, res);
          flush();
        }
      }).catch(function () {
        sending = false;
        options.onOffline();
        setTimeout(flush, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
      });
    }
    window.addEventListener("online", function () { retryDelay = 1000; flush(); });
    return {
      /* Queue ``fields`` as the newest value of its slot and send it. */
      put: function (fields) {
        var slot = options.slot(fields);
        var queue = load().filter(function (e) { return options.slot(e) !== slot; });
        fields.seq = nextSeq();
        queue.push(fields);
        store(queue);
        flush();
        return fields;
      },
      flush: flush,
      pending: load,
      clear: function () { store([]); },
      /* Call ``done`` once the queue is empty, or after ``limit`` ms whatever remains. */
      drain: function (done, limit) {
        flush();
        var waited = 0;
        var timer = setInterval(function () {
          waited += 200;
          if (!load().length || waited > (limit || 10000)) { clearInterval(timer); done(); return; }
          flush();
        }, 200);
      }
    };
  }

  /* Integrity events (focus losses, pastes): logged for the examiners, never punished
   * automatically. A focus loss reported twice within a second (blur and visibilitychange of
   * the same switch) counts once. */
  function eventLogger(url, stopped) {
    var lastFocusLoss = 0;
    return function (kind) {
      if (stopped()) return;
      if (kind === "focus_loss") {
        var now = Date.now();
        if (now - lastFocusLoss < 1000) return;
        lastFocusLoss = now;
      }
      request("POST", url, {kind: kind}).catch(function () {});
    };
  }

  window.certifyExam = {
    csrf: csrf, useToken: useToken, request: request, stamp: stamp, saveState: saveState, countdown: countdown,
    SaveQueue: SaveQueue, eventLogger: eventLogger
  };
})();
