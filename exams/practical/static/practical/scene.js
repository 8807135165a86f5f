/* The scene scoring page: the running total, and a confirmation before the final submit. */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=score-form]");
  if (!form) return;
  function sum() {
    var total = 0;
    form.querySelectorAll(".scorepad input:checked").forEach(function (i) { total += Number(i.value); });
    document.getElementById("total").textContent = total;
  }
  form.addEventListener("change", sum);
  form.addEventListener("submit", function (e) {
    var missing = Array.prototype.filter.call(form.querySelectorAll(".scorepad"), function (pad) { return !pad.querySelector("input:checked"); })
      .map(function (pad) { return pad.getAttribute("aria-label"); });
    if (missing.length && !confirm("还有维度未评分：" + missing.join("、") + "。仍要提交吗？")) { e.preventDefault(); return; }
    if (!missing.length && !confirm("提交后不能修改，确认提交评分吗？")) { e.preventDefault(); }
  });
  sum();
})();
