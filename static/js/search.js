// The header search (ARIA 1.2 combobox with a listbox popup). htmx fetches the results as the user
// types; this file opens and closes the popup and moves through the options with the keyboard:
// ↓/↑ move, Home/End jump, Enter opens the option, Escape closes (a second Escape clears the box).
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector("[role=combobox]");
    var popup = form.querySelector(".kb-search__popup");
    if (!input || !popup) return;

    function options() {
      return Array.prototype.slice.call(popup.querySelectorAll("[role=option]"));
    }
    function active() {
      var id = input.getAttribute("aria-activedescendant");
      return id ? document.getElementById(id) : null;
    }
    function setActive(option) {
      options().forEach(function (o) { o.classList.remove("kb-search__option--active"); o.setAttribute("aria-selected", "false"); });
      if (option) {
        option.classList.add("kb-search__option--active");
        option.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function open() {
      var hasContent = popup.textContent.trim() !== "";
      popup.hidden = !hasContent;
      var list = popup.querySelector("[role=listbox]");
      var expanded = hasContent && list && !list.hidden;
      input.setAttribute("aria-expanded", expanded ? "true" : "false");
      if (list) input.setAttribute("aria-controls", list.id);
    }
    function close() {
      popup.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(null);
    }

    form.addEventListener("htmx:afterSwap", function () { setActive(null); open(); });
    input.addEventListener("input", function () { if (!input.value.trim()) close(); });
    input.addEventListener("focus", function () { if (input.value.trim() && popup.textContent.trim()) open(); });
    form.addEventListener("focusout", function (event) {
      if (!form.contains(event.relatedTarget)) close();
    });
    popup.addEventListener("mousedown", function (event) {
      // Keep the focus in the box while an option is clicked.
      if (event.target.closest("[role=option]")) event.preventDefault();
    });

    input.addEventListener("keydown", function (event) {
      var list = options();
      var current = active();
      var index = current ? list.indexOf(current) : -1;
      switch (event.key) {
        case "ArrowDown":
          if (popup.hidden) open();
          if (!list.length) return;
          event.preventDefault();
          setActive(list[(index + 1) % list.length]);
          break;
        case "ArrowUp":
          if (!list.length) return;
          event.preventDefault();
          setActive(list[index <= 0 ? list.length - 1 : index - 1]);
          break;
        case "Home":
        case "End":
          if (!list.length || !current) return;
          event.preventDefault();
          setActive(event.key === "Home" ? list[0] : list[list.length - 1]);
          break;
        case "Enter":
          if (current) {
            event.preventDefault();
            window.location.assign(current.getAttribute("href"));
          }
          break;
        case "Escape":
          if (!popup.hidden) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
          }
          break;
        default:
          break;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kb-search]").forEach(setup);
  });
})();
