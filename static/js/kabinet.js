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

  // Filters folded behind «Фильтры» on a phone stay unfolded on a wide screen (the summary is hidden there).
  function unfoldWide() {
    if (!window.matchMedia("(min-width: 992px)").matches) return;
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (d) { d.open = true; });
  }
  window.addEventListener("resize", unfoldWide);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", unfoldWide);
  else unfoldWide();

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

  // A form that builds a file (the акт сверки): it is fetched, and the button stays busy (disabled,
  // aria-busy, a spinner) until the whole file has arrived — however long the server takes. A page back
  // instead of a file (the form's errors) replaces the form. Without JavaScript it is a plain POST.
  function fileName(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) return decodeURIComponent(star[1]);
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : "download";
  }
  function setBusy(button, busy) {
    button.disabled = busy;
    if (busy) {
      button.setAttribute("aria-busy", "true");
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm ms-1";
      spinner.setAttribute("aria-hidden", "true");
      spinner.dataset.spinner = "";
      button.appendChild(spinner);
    } else {
      button.removeAttribute("aria-busy");
      button.querySelectorAll("[data-spinner]").forEach(function (s) { s.remove(); });
    }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-download]") || !window.fetch) return;
    // A button with its own `formaction` («Подписать и отправить») goes to a page, not to a file.
    if (event.submitter && event.submitter.hasAttribute("formaction")) return;
    event.preventDefault();
    var button = form.querySelector("[data-download-button]");
    if (button && button.disabled) return;
    var status = form.querySelector("[data-download-status]");
    if (button) setBusy(button, true);
    if (status) status.textContent = form.dataset.busyText || "";
    var headers = { "X-Download-Form": "1" };  // a page back instead of a file: the form alone
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: headers })
      .then(function (response) {
        var disposition = response.headers.get("Content-Disposition") || "";
        if (response.ok && disposition.indexOf("attachment") === 0) {
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            var a = document.createElement("a");
            a.href = url;
            a.download = fileName(response);
            document.body.appendChild(a);
            a.click();
            a.remove();
            setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
            if (status) status.textContent = form.dataset.doneText || "";
            form.dataset.downloaded = String(Number(form.dataset.downloaded || "0") + 1);
          });
        }
        return response.text().then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html;
          var fresh = holder.content.querySelector("form[data-download]");
          if (!fresh) throw new Error("unexpected answer");
          form.replaceWith(fresh);
          if (window.htmx) window.htmx.process(fresh);
          var invalid = fresh.querySelector(".is-invalid, .alert");
          if (invalid) invalid.scrollIntoView({ block: "center" });
        });
      })
      .catch(function () {
        if (status) status.textContent = form.dataset.failText || "";
      })
      .finally(function () {
        if (button && button.isConnected) setBusy(button, false);
      });
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

  // A polite live region (base.html) says what changed out of sight of the focus.
  function announce(text) {
    var box = document.getElementById("kb-live-status");
    if (!box) return;
    box.textContent = "";
    setTimeout(function () { box.textContent = text; }, 100);  // a new text, so it is read even if the same
  }

  // «Показать ещё»: the rows it brings take the place of its own row. The focus moves to the first new
  // row, so the next Tab goes on through the new rows (not from the top of the page), and the live
  // region says how many came.
  var moreSpot = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    moreSpot = target && target.matches && target.matches("tr.kb-more-row")
      ? { body: target.parentNode, before: target.previousElementSibling } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!moreSpot) return;
    var spot = moreSpot;
    moreSpot = null;
    var added = [];
    var row = spot.before ? spot.before.nextElementSibling : spot.body.firstElementChild;
    for (; row; row = row.nextElementSibling) {
      if (!row.classList.contains("kb-more-row")) added.push(row);
    }
    if (!added.length) return;
    added[0].tabIndex = -1;
    added[0].focus();
    var box = document.getElementById("kb-live-status");
    if (box) announce(box.dataset.msgAdded.replace("{count}", String(added.length)));
  });

  // Tabs (the contract card), the WAI-ARIA pattern with manual activation: only the selected tab is in
  // the Tab order; Left and Right (round), Home and End move between the tabs; Enter or Space opens the
  // focused one, and once it has loaded the focus is back on it.
  function initTabs() {
    document.querySelectorAll("[role=tablist]").forEach(function (list) {
      var tabs = list.querySelectorAll("[role=tab]");
      var selected = list.querySelector("[role=tab][aria-selected=true]") || tabs[0];
      tabs.forEach(function (tab) { tab.tabIndex = tab === selected ? 0 : -1; });
    });
  }
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (!tab || event.altKey || event.ctrlKey || event.metaKey) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var i = tabs.indexOf(tab);
    var next;
    if (event.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    else if (event.key === " ") { event.preventDefault(); tab.click(); return; }
    else return;
    event.preventDefault();
    tabs.forEach(function (t) { t.tabIndex = t === next ? 0 : -1; });
    next.focus();
  });
  var openedTab = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    openedTab = elt && elt.getAttribute && elt.getAttribute("role") === "tab" ? elt.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    initTabs();
    if (!openedTab) return;
    var tab = document.getElementById(openedTab);
    openedTab = null;
    // Back to the tab just opened, unless the user has already moved on from it.
    var here = document.activeElement;
    if (tab && (!here || here === document.body || here === tab)) tab.focus();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initTabs);
  else initTabs();

  // A form sent back with errors: the focus goes to its summary (errors of no one field) or else to the
  // first field in error, so the keyboard starts where the fixing does. The page's forms on load (those
  // of a dialog once it is shown), a form answered 400 in place once it has settled.
  function focusFirstError(scope, withDialogs) {
    if (!scope) return;
    var forms = scope.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      if (!withDialogs && forms[i].closest(".modal")) continue;
      var target = forms[i].querySelector(".alert-danger[role=alert]") || forms[i].querySelector("[aria-invalid=true], .is-invalid");
      if (target) {
        if (target.getAttribute("role") === "alert") target.tabIndex = -1;
        target.focus();
        return;
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusFirstError(document.querySelector("main"), false); });
  } else focusFirstError(document.querySelector("main"), false);
  document.addEventListener("shown.bs.modal", function (event) { focusFirstError(event.target, true); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 400) return;
    focusFirstError(document.querySelector(".modal.show") || document.querySelector("main"), true);
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
