// Kabinet: the search-as-you-type picker (WAI-ARIA combobox with a listbox popup).
// The server renders the options (htmx); this file adds the keyboard and the choice. Without it the
// field is a plain text input: type the number and submit.
(function () {
  "use strict";

  function parts(el) {
    var root = el.closest && el.closest("[data-picker]");
    if (!root) return null;
    return { root: root, input: root.querySelector("[data-picker-input]"), box: root.querySelector(".kb-suggestions") };
  }
  function options(p) { return Array.prototype.slice.call(p.box.querySelectorAll("[data-picker-option]")); }
  function close(p) {
    p.box.innerHTML = "";
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }
  function activate(p, index) {
    var all = options(p);
    if (!all.length) return;
    index = (index + all.length) % all.length;
    all.forEach(function (o, i) {
      o.setAttribute("aria-selected", i === index ? "true" : "false");
      o.classList.toggle("active", i === index);
    });
    p.input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }
  function current(p) { return options(p).findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; }); }
  function pick(p, option) {
    p.input.value = option.dataset.value;
    close(p);
    p.input.focus();
    p.input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = parts(event.target);
    if (!p || event.target !== p.box) return;
    var has = options(p).length > 0;
    p.input.setAttribute("aria-expanded", has ? "true" : "false");
    p.input.removeAttribute("aria-activedescendant");
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-picker-input]")) return;
    var p = parts(el);
    var open = options(p).length > 0;
    if (event.key === "ArrowDown" && open) { event.preventDefault(); activate(p, current(p) + 1); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); activate(p, current(p) - 1); }
    else if (event.key === "Enter" && open && current(p) >= 0) { event.preventDefault(); pick(p, options(p)[current(p)]); }
    else if (event.key === "Escape" && open) { event.preventDefault(); close(p); }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-picker-option]");
    if (option) { pick(parts(option), option); return; }
    document.querySelectorAll("[data-picker]").forEach(function (root) {
      if (!root.contains(event.target)) close(parts(root.querySelector("[data-picker-input]")));
    });
  });
})();
