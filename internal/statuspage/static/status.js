// slakeeper status page: optional enhancement. Without it the bars show
// their details on hover and focus; with it a bar also opens its day's
// page (click, Enter or Space) and the arrow keys move between a row's
// bars, so a keyboard reaches every day, not only those with downtime.
(function () {
  "use strict";
  var span = document.querySelector(".span[data-first]");
  if (!span) return;
  document.documentElement.classList.add("js");
  var p = span.getAttribute("data-first").split("-");
  function dateOf(li) {
    var i = Array.prototype.indexOf.call(li.parentNode.children, li);
    // Calendar arithmetic in UTC: the page's days are calendar days.
    var d = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2] + i));
    return d.toISOString().slice(0, 10);
  }
  function bar(e) {
    var li = e.target.closest && e.target.closest(".bars li");
    return li && li.parentNode.classList.contains("bars") ? li : null;
  }
  function open(li) { location.href = "/history/" + dateOf(li); }
  document.addEventListener("click", function (e) {
    var li = bar(e);
    if (li) open(li);
  });
  document.addEventListener("keydown", function (e) {
    var li = bar(e);
    if (!li) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open(li);
      return;
    }
    var to = e.key === "ArrowLeft" ? li.previousElementSibling :
      e.key === "ArrowRight" ? li.nextElementSibling :
      e.key === "Home" ? li.parentNode.firstElementChild :
      e.key === "End" ? li.parentNode.lastElementChild : null;
    if (!to) return;
    e.preventDefault();
    // A bar without details gets them for the screen reader too.
    if (!to.hasAttribute("tabindex")) to.setAttribute("tabindex", "-1");
    to.focus();
  });
})();
