// Back office, every page: names for the controls Django's own scripts draw without one (the
// autocomplete boxes of select2, the filter icons of the two-list picker). Every page works without it.
(function () {
  "use strict";

  // The <label> of the original <select> (hidden by select2), given an id to be pointed at.
  function labelOf(select) {
    if (!select || !select.id) return null;
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label && !label.id) label.id = select.id + "-label";
    return label;
  }

  function nameSelect2(container) {
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    var label = labelOf(select);
    var name = label ? label.textContent.replace(/[:*\s]+$/, "").trim() : "";
    var box = container.querySelector(".select2-selection[role=combobox]");
    if (!box || !label) return;
    var shown = box.querySelector(".select2-selection__rendered[id]");
    // The box reads as «Организация, ООО «Ромашка»»: its label, then what is chosen (empty before a choice).
    var ids = label.id + (shown ? " " + shown.id : "");
    if (box.getAttribute("aria-labelledby") !== ids) box.setAttribute("aria-labelledby", ids);
    if (shown && shown.getAttribute("aria-labelledby") !== label.id) shown.setAttribute("aria-labelledby", label.id);
    container.querySelectorAll(".select2-search__field").forEach(function (input) {
      if (input.getAttribute("aria-label") !== name) input.setAttribute("aria-label", name);
    });
    // A multiple choice lists the chosen items in a <ul> that also holds «×» (clear all) as a bare
    // <span>: the list is a list of the chosen items only.
    container.querySelectorAll("ul.select2-selection__rendered > span").forEach(function (span) {
      if (span.getAttribute("aria-hidden") !== "true") span.setAttribute("aria-hidden", "true");
    });
  }

  // An inline table wider than the screen scrolls sideways; read-only rows hold nothing to focus, so the
  // region itself takes the focus (the arrows scroll it) and is named by its heading.
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  function focusableScrollers() {
    document.querySelectorAll(".inline-group").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth;
      if (!wide || box.querySelector(FOCUSABLE)) {
        if (box.dataset.kbScroller) { box.removeAttribute("tabindex"); delete box.dataset.kbScroller; }
        return;
      }
      if (box.dataset.kbScroller) return;
      var heading = box.querySelector("h2");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      if (heading) {
        if (!heading.id) heading.id = (box.id || "inline") + "-heading";
        box.setAttribute("aria-labelledby", heading.id);
      }
      box.dataset.kbScroller = "1";
    });
  }

  function nameAll() {
    focusableScrollers();
    document.querySelectorAll(".select2-container").forEach(nameSelect2);
    // The magnifier icons of the two-list picker say their hint by aria-label, which needs a role.
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  var queued = false;
  function queue() {
    if (queued) return;
    queued = true;
    setTimeout(function () { queued = false; nameAll(); }, 0);
  }
  // select2 and the picker draw on load and redraw on each choice or added inline row.
  new MutationObserver(queue).observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("load", queue);
  window.addEventListener("resize", queue);
})();
