// Kabinet: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // A form answered with 400 (errors next to the fields) is shown in place like any other answer.
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "400", swap: true },
      { code: "429", swap: true },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  // An htmx request that failed (an expired form token, a server error) is told, never silent.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("kb-live-alerts");
    var xhr = event.detail && event.detail.xhr;
    if (!box || !xhr || xhr.status === 400) return;
    var expired = xhr.getResponseHeader("X-Kabinet-Error") === "csrf";
    var alert = document.createElement("div");
    alert.className = "alert alert-danger d-flex flex-wrap align-items-center gap-2";
    alert.setAttribute("role", "alert");
    alert.textContent = expired ? box.dataset.msgExpired : box.dataset.msgFailed;
    var reload = document.createElement("a");
    reload.className = "btn btn-sm btn-outline-danger ms-auto";
    reload.href = location.href;
    reload.textContent = box.dataset.msgReload;
    alert.appendChild(reload);
    box.replaceChildren(alert);
  });

  // Rows that scroll sideways (sections, tabs) show a fade and an arrow where more is hidden.
  function updateScrollHint(scroller) {
    var hint = scroller.closest(".kb-scroll-hint");
    if (!hint) return;
    var max = scroller.scrollWidth - scroller.clientWidth;
    hint.classList.toggle("kb-more-start", scroller.scrollLeft > 2);
    hint.classList.toggle("kb-more-end", max - scroller.scrollLeft > 2);
  }
  function updateScrollHints() {
    document.querySelectorAll("[data-scroll-x]").forEach(function (scroller) {
      // The current tab or section is scrolled into view once, so it is never hidden off-screen.
      if (!scroller.dataset.scrollInit) {
        scroller.dataset.scrollInit = "1";
        var current = scroller.querySelector(".nav-link.active") || scroller.querySelector("[aria-current=page]");
        if (current && current.offsetLeft + current.offsetWidth > scroller.clientWidth) {
          scroller.scrollLeft = current.offsetLeft - 16;
        }
      }
      updateScrollHint(scroller);
    });
  }
  document.addEventListener("scroll", function (event) {
    if (event.target.matches && event.target.matches("[data-scroll-x]")) updateScrollHint(event.target);
  }, true);
  window.addEventListener("resize", updateScrollHints);
  document.addEventListener("htmx:afterSettle", updateScrollHints);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", updateScrollHints);
  else updateScrollHints();

  // Phone fields format as you type: +7 (900) 000-00-01.
  function formatPhone(value) {
    var digits = value.replace(/\D/g, "");
    if (!digits) return "";
    if (digits[0] === "8") digits = "7" + digits.slice(1);
    if (digits[0] === "9") digits = "7" + digits;
    if (digits[0] !== "7") return "+" + digits;
    digits = digits.slice(1, 11);
    var out = "+7";
    if (digits.length > 0) out += " (" + digits.slice(0, 3);
    if (digits.length >= 3) out += ")";
    if (digits.length > 3) out += " " + digits.slice(3, 6);
    if (digits.length > 6) out += "-" + digits.slice(6, 8);
    if (digits.length > 8) out += "-" + digits.slice(8, 10);
    return out;
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-phone-mask]") && event.inputType !== "deleteContentBackward") {
      el.value = formatPhone(el.value);
    }
  });

  // «ИНН или название организации»: picking a suggestion fills the INN and, when untouched, «ФИО».
  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-company-pick]");
    if (!pick) return;
    var form = pick.closest("[data-company-form]");
    if (!form) return;
    var input = form.querySelector("[data-company-input]");
    input.value = pick.dataset.name + ", ИНН " + pick.dataset.inn;
    form.querySelector("[data-company-inn]").value = pick.dataset.inn;
    input.setAttribute("aria-expanded", "false");
    var director = form.querySelector("[data-director-field]");
    if (director && (!director.value || director.dataset.autofilled === director.value)) {
      director.value = pick.dataset.director || "";
      director.dataset.autofilled = director.value;
    }
    document.getElementById("company-suggestions").innerHTML = "";
    input.focus();
  });
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-company-input]")) {
      var hidden = el.form && el.form.querySelector("[data-company-inn]");
      if (hidden) hidden.value = "";
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "company-suggestions") {
      var input = document.querySelector("[data-company-input]");
      if (input) input.setAttribute("aria-expanded", event.target.querySelector("[data-company-pick]") ? "true" : "false");
    }
  });

  // Copy a requisite to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var icon = button.querySelector("i");
      if (icon) { icon.className = "bi bi-check2"; setTimeout(function () { icon.className = "bi bi-clipboard"; }, 1500); }
    });
  });

  // A link or button that starts slow work (PDF, ZIP) shows a spinner until the download begins.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-busy], button[data-busy]");
    if (!link || link.classList.contains("disabled")) return;
    link.classList.add("disabled");
    link.setAttribute("aria-busy", "true");
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm ms-1";
    spinner.setAttribute("aria-hidden", "true");
    link.appendChild(spinner);
    setTimeout(function () { link.classList.remove("disabled"); link.removeAttribute("aria-busy"); spinner.remove(); }, 4000);
  });

  // A filter form refreshes its results on `input` of its search box (with a delay) and on `change` of its
  // other fields. The search box's own `change` (fired when it loses focus) would refresh the results a
  // second time — e.g. just as «Выбрать документы» is clicked, wiping the first tick — so it stops here.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("input[type=search]") && el.form && el.form.hasAttribute("hx-trigger")) {
      event.stopPropagation();
    }
  }, true);

  // «Выбрать документы»: tick documents on the page (or everything the filter matches) → one ZIP.
  var selecting = false;
  function selectForm() { return document.querySelector("[data-select-form]"); }
  function updateCount() {
    var form = selectForm();
    if (!form) return;
    var all = form.querySelector("[data-select-all-filter]");
    var ticked = form.querySelectorAll("input[name=ids]:checked").length;
    var counter = form.querySelector("[data-selected-count]");
    if (counter) counter.textContent = all && all.checked ? "—" : String(ticked);
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-select-toggle]");
    if (toggle && selectForm()) {
      event.preventDefault();
      selecting = true;
      selectForm().classList.add("kb-selecting");
      var first = selectForm().querySelector("input[name=ids]");
      if (first) first.focus();
    }
    var cancel = event.target.closest && event.target.closest("[data-select-cancel]");
    if (cancel && selectForm()) {
      event.preventDefault();
      selecting = false;
      selectForm().classList.remove("kb-selecting");
      selectForm().querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      updateCount();
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.closest || !el.closest("[data-select-form]")) return;
    if (el.matches("[data-select-page]")) {
      el.closest("form").querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = el.checked; });
    }
    updateCount();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "results" && (selecting || new URLSearchParams(location.search).get("select") === "1")) {
      var form = selectForm();
      if (form) form.classList.add("kb-selecting");
    }
  });

  // Forms that need a confirmation («Отозвать»).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // A dialog whose form came back with errors opens again with what was typed.
  document.querySelectorAll(".modal.kb-open-on-load").forEach(function (el) {
    if (window.bootstrap) bootstrap.Modal.getOrCreateInstance(el).show();
  });

  // «Отправить код заново» with a visible cool-down.
  document.querySelectorAll("[data-cooldown]").forEach(function (form) {
    var left = parseInt(form.dataset.cooldown, 10) || 0;
    var button = form.querySelector("[data-cooldown-button]");
    var text = form.querySelector("[data-cooldown-text]");
    var seconds = form.querySelector("[data-cooldown-seconds]");
    if (left <= 0) return;
    var timer = setInterval(function () {
      left -= 1;
      if (seconds) seconds.textContent = String(left);
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        if (text) text.hidden = true;
      }
    }, 1000);
  });
})();
