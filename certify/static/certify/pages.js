/* Small behaviours of server-rendered pages, kept out of the HTML so the pages run under a
 * Content-Security-Policy without inline script (issue 11):
 * - [data-print]: a button that prints the page (the admission ticket);
 * - form[data-no-submit]: a form whose Enter key must not submit (the simulated support system);
 * - .menu-toggle: on a narrow screen the main menu is folded behind this button;
 * - every table of the page scrolls inside its own box when it is wider than the screen. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = document.querySelector("header.top").classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.parentElement.classList.contains("table-scroll")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  document.querySelectorAll("form[data-no-submit]").forEach(function (form) {
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });
})();
