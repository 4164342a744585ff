/* Behaviour the pages used to carry inline (onclick="…", <script>…</script>): the site's
   Content-Security-Policy runs scripts from this origin's files only. Declared in the HTML with
   data- attributes:
     data-confirm="…"        on a submit button: asks before the form is sent
     data-autosubmit         on a select: sends its form when changed
     data-print              on a button: prints the page
     data-back               on a link: goes back a page
     data-select-all="name"  on a checkbox: ticks every input[name=name] with it            */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm], [data-print], [data-select-all], [data-back]");
    if (!target) { return; }
    if (target.hasAttribute("data-back")) { event.preventDefault(); window.history.back(); }
    if (target.hasAttribute("data-confirm") && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
    if (target.hasAttribute("data-print")) { window.print(); }
    if (target.hasAttribute("data-select-all")) {
      var name = target.getAttribute("data-select-all");
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (c) { c.checked = target.checked; });
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) { event.target.form.submit(); }
  });
  // On a phone the menu starts folded so the page content comes first.
  function foldMenu() {
    var nav = document.querySelector("details.sidenav");
    if (nav && window.matchMedia("(max-width: 860px)").matches) { nav.removeAttribute("open"); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", foldMenu); } else { foldMenu(); }
})();
