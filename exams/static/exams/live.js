/* The exam day, live, without reloading the page (issue 15, point 7).
 *
 * - [data-live-sitting]: the admin's live view of a sitting, drawn from its JSON every 5 s.
 * - [data-live-room]: a room page (written console, practical room). Its JSON gives one signature
 *   per roster row; when a row's signature changes, the page is fetched in the background and only
 *   that row is replaced, unless the examiner is typing in it (a half-typed reason is never lost;
 *   the row follows at the next poll). The room log and the pause control follow the same way.
 *   The scroll position never moves. */
(function () {
  "use strict";
  var PERIOD = 5000;
  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function clock(iso) {
    return iso ? new Date(iso).toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"}) : "—";
  }

  // --- the admin's live view of a sitting ---
  var sitting = document.querySelector("[data-live-sitting]");
  if (sitting) {
    var body = sitting.querySelector("tbody");
    var drawSitting = function (live) {
      body.innerHTML = live.rooms.map(function (room) {
        var name = '<a href="' + esc(room.console_url) + '">' + esc(room.name) + "</a>";
        var w = room.written, p = room.practical, part = room.written || room.practical;
        var incidents = part.incidents.map(function (i) {
          return "<li>" + (i.at ? esc(clock(i.at)) + " " : "") + esc(i.text) + "</li>";
        }).join("");
        var cells;
        if (w) {
          var c = w.counts;
          cells = [c.not_started, c.in_progress, c.submitted, c.absent, c.misconduct].map(function (n) { return '<td class="num">' + n + "</td>"; }).join("") +
            "<td>" + (w.paused ? '<span class="badge warn">已暂停</span>' : "—") + "</td>";
        } else {
          var t = p.typing, b = p.business, s = p.scenes;
          cells = '<td class="num">' + (t.not_started) + '</td><td class="num">' + (t.in_progress + b.in_progress) +
            '</td><td class="num">' + t.submitted + '</td><td class="num">' + p.absent + '</td><td class="num">—</td>' +
            "<td>文字阅录 已提交 " + t.submitted + "、进行中 " + t.in_progress + "、未开始 " + t.not_started +
            "<br>业务受理 已提交 " + b.submitted + "、进行中 " + b.in_progress + "、未开始 " + b.not_started +
            "<br>情景模拟 已定分 " + s.scored + "、评分中 " + s.scoring + "、待复核 " + s.review + "、未开始 " + s.not_started + "</td>";
        }
        return '<tr data-live-room-id="' + room.id + '"><td>' + name + "</td>" + cells + "<td>" + esc(clock(part.last_activity)) +
          "</td><td>" + (incidents ? '<ul class="incidents">' + incidents + "</ul>" : "—") + "</td></tr>";
      }).join("") || '<tr><td colspan="9" class="muted">本批次尚无考场。</td></tr>';
      sitting.querySelector("[data-live-time]").textContent = "更新于 " + clock(live.server_time);
    };
    var pollSitting = function () {
      getJSON(sitting.dataset.liveSitting).then(drawSitting).catch(function () {
        sitting.querySelector("[data-live-time]").textContent = "网络中断，正在重试…";
      });
    };
    pollSitting();
    setInterval(pollSitting, PERIOD);
  }

  // --- a room page: replace only the rows that changed ---
  var roster = document.querySelector("[data-live-room]");
  if (!roster) return;
  function busy(node) {
    if (!node) return false;
    if (node.contains(document.activeElement) && document.activeElement !== document.body) return true;
    return Array.prototype.some.call(node.querySelectorAll("input[type=text], input:not([type]), textarea"), function (i) {
      return i.value.trim() !== "";
    });
  }
  function swap(oldNode, newNode) {
    if (oldNode && newNode && !busy(oldNode)) { oldNode.replaceWith(newNode); return true; }
    return false;
  }
  var fetching = false;
  function refresh(live) {
    var changed = live.rows.filter(function (row) {
      var tr = roster.querySelector('[data-row="' + row.admission_no + '"]');
      return !tr || tr.dataset.signature !== row.signature;
    });
    var eventsChanged = String(live.events) !== roster.dataset.events;
    var pausedChanged = (live.paused ? "1" : "") !== roster.dataset.paused;
    var countChanged = live.rows.length !== roster.querySelectorAll("[data-row]").length;
    if (!changed.length && !eventsChanged && !pausedChanged) return;
    if (fetching) return;
    fetching = true;
    fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      fetching = false;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("[data-live-room]");
      if (!fresh) return;
      if (countChanged) {
        swap(roster.querySelector("tbody"), fresh.querySelector("tbody"));
      } else {
        changed.forEach(function (row) {
          var sel = '[data-row="' + row.admission_no + '"]';
          swap(roster.querySelector(sel), fresh.querySelector(sel));
        });
      }
      function part(name) {
        var sel = '[data-live-part="' + name + '"]', here = document.querySelector(sel);
        return !here || swap(here, doc.querySelector(sel));
      }
      if (eventsChanged && part("events")) { roster.dataset.events = fresh.dataset.events; }
      if (pausedChanged && part("control")) { part("title"); roster.dataset.paused = fresh.dataset.paused; }
    }).catch(function () { fetching = false; });
  }
  function pollRoom() { getJSON(roster.dataset.liveRoom).then(refresh).catch(function () {}); }
  setInterval(pollRoom, PERIOD);
})();
