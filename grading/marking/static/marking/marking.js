// The marking page: the live total, keyboard shortcuts for the common marks, and hovering a key
// point to see its highlights. Nothing is ever chosen for the marker: every key point starts empty.
(function () {
  "use strict";
  var form = document.getElementById("mark-form");
  if (!form) return;
  var points = Array.prototype.slice.call(form.querySelectorAll(".rubric .kp"));
  var totalBox = form.querySelector("[data-testid=total]");
  var max = parseFloat(form.dataset.points);
  var current = 0;

  function radios(kp) { return Array.prototype.slice.call(kp.querySelectorAll("input[type=radio]")); }
  function chosen(kp) { var r = kp.querySelector("input[type=radio]:checked"); return r ? r.value : null; }

  function updateTotal() {
    if (!radios(points[0] || form).length) return;
    var sum = 0, complete = true;
    points.forEach(function (kp) { var v = chosen(kp); if (v === null) { complete = false; } else { sum += parseFloat(v); } });
    var rubricMax = points.reduce(function (s, kp) { return s + parseFloat(kp.dataset.points); }, 0);
    if (rubricMax && rubricMax !== max) sum = Math.round(sum * max / rubricMax * 100) / 100;
    totalBox.textContent = complete ? String(sum) : (sum ? sum + "（未完成）" : "—");
  }

  function select(index) {
    if (!points.length) return;
    current = Math.max(0, Math.min(points.length - 1, index));
    points.forEach(function (kp, i) { kp.classList.toggle("current", i === current); });
    highlight(current);
  }

  function highlight(index) {
    document.querySelectorAll(".answer mark").forEach(function (m) {
      var on = (" " + m.dataset.points + " ").indexOf(" " + index + " ") >= 0;
      m.classList.toggle("dim", !on);
      if (on) m.className = m.className.replace(/\bm\d+\b/, "m" + index);
    });
  }

  function setValue(kp, value) {
    var match = radios(kp).filter(function (r) { return parseFloat(r.value) === value; })[0];
    if (match) { match.checked = true; updateTotal(); return true; }
    return false;
  }

  function step(kp, direction) {
    var list = radios(kp), at = list.findIndex(function (r) { return r.checked; });
    var next = at < 0 ? (direction > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, at + direction));
    list[next].checked = true; updateTotal();
  }

  points.forEach(function (kp, i) {
    kp.addEventListener("click", function () { select(i); });
    kp.addEventListener("mouseenter", function () { highlight(i); });
  });
  form.addEventListener("change", updateTotal);

  form.addEventListener("submit", function (event) {
    var missing = points.filter(function (kp) { return radios(kp).length && chosen(kp) === null; });
    if (missing.length) {
      event.preventDefault();
      select(points.indexOf(missing[0]));
      alert("还有 " + missing.length + " 个要点没有给分");
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || !points.length || !radios(points[0]).length) return;
    var kp = points[current], key = event.key;
    if (key === "ArrowDown" || key === "j") { select(current + 1); }
    else if (key === "ArrowUp" || key === "k") { select(current - 1); }
    else if (/^[0-9]$/.test(key)) { if (setValue(kp, parseInt(key, 10))) select(current + 1); }
    else if (key === "+" || key === "=") { step(kp, 1); }
    else if (key === "-") { step(kp, -1); }
    else if (key === "m" || key === "M") { points.forEach(function (p) { var l = radios(p); l[l.length - 1].checked = true; }); updateTotal(); }
    else if (key === "z" || key === "Z") { points.forEach(function (p) { radios(p)[0].checked = true; }); updateTotal(); }
    else if (key === "Enter") { if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
    else { return; }
    event.preventDefault();
  });

  select(0);
  updateTotal();
})();
