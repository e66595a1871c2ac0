/* Faktura back office: the few behaviours htmx does not cover. No build step.
   Pages carry no inline script, event handler or style attribute (the Content-Security-Policy
   refuses them): what they need is declared with data- attributes and done here. */
(function () {
  "use strict";

  // Running timers: count up from the seconds the server rendered (no client clock skew).
  var seen = new WeakMap();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function hms(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return h + ":" + pad(m) + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".timer-clock[data-elapsed]").forEach(function (el) {
      if (!seen.has(el)) seen.set(el, now - parseInt(el.dataset.elapsed || "0", 10) * 1000);
      el.textContent = hms(Math.max(0, Math.floor((now - seen.get(el)) / 1000)));
    });
  }
  setInterval(tick, 1000);

  // Entry forms: show the fields of the chosen kind only.
  function syncKind(form) {
    var select = form.querySelector("select[name=kind]");
    if (!select) return;
    form.querySelectorAll(".kind-fields").forEach(function (group) {
      var kinds = (group.dataset.kinds || "").split(" ");
      group.hidden = kinds.indexOf(select.value) === -1;
    });
  }


  // --- task picker: a select marked data-task-picker="<search url>" becomes a combobox ------
  // (ARIA 1.2 combobox with a listbox). The select stays in the form and carries the value;
  // without JavaScript it is the picker itself.
  var pickerCount = 0;
  function enhancePicker(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    var url = select.dataset.taskPicker;
    // Ids unique on the page even when two forms render the same field id.
    var base = (select.id || "picker") + "-" + (++pickerCount);
    var listId = base + "-listbox";
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var input = document.createElement("input");
    input.type = "text";
    input.id = base + "-search";
    input.className = "picker-input";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.placeholder = select.dataset.placeholder || (select.options[0] ? select.options[0].text : "");
    if (select.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var field = select.closest(".field");
    var label = select.id ? ((field && field.querySelector("label[for='" + select.id + "']")) ||
      document.querySelector("label[for='" + select.id + "']")) : null;
    if (label) {
      if (!label.id) label.id = base + "-label";
      label.htmlFor = input.id;
      list.setAttribute("aria-labelledby", label.id);
    }
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(select);
    // Out of sight and out of the tab order, but still the form's value (and scripts that
    // choose an option on the select directly, such as tests, still can).
    select.classList.add("picker-select");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    function chosenText() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.text : "";
    }
    input.value = chosenText();
    var timer = null, active = -1, seq = 0;
    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option][data-value]")); }
    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) { active = -1; input.removeAttribute("aria-activedescendant"); }
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function search() {
      var mine = ++seq;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(input.value === chosenText() ? "" : input.value), {
        headers: { "HX-Request": "true" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
        if (mine !== seq) return;
        list.innerHTML = html;
        open(document.activeElement === input);
        active = -1;
      });
    }
    function choose(item) {
      var value = item.dataset.value;
      var text = (item.querySelector(".picker-title") || item).textContent.trim();
      var meta = item.querySelector(".picker-meta");
      var found = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      if (!found) {
        var option = document.createElement("option");
        option.value = value;
        option.text = text + (meta ? " · " + meta.textContent.trim() : "");
        select.appendChild(option);
      }
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = chosenText();
      open(false);
    }
    select.addEventListener("change", function () { input.value = chosenText(); });
    input.addEventListener("input", function () {
      if (!input.value) select.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("focus", function () { search(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { search(); return; }
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!list.hidden) highlight(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(options()[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); open(false); }
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        open(false);
        if (input.value !== chosenText()) input.value = chosenText();
      }, 150);
    });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[role=option][data-value]");
      if (item) { event.preventDefault(); choose(item); }
    });
  }

  // --- week grid: a phone shows one day; the day tabs switch it without leaving the page ---
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-grid-day]");
    if (!tab) return;
    var grid = tab.closest("[data-week-grid]");
    if (!grid) return;
    event.preventDefault();
    var index = tab.dataset.gridDay;
    grid.querySelectorAll("[data-day-col]").forEach(function (el) {
      el.classList.toggle("is-other-day", el.dataset.dayCol !== index);
    });
    grid.querySelectorAll("[data-grid-day]").forEach(function (el) {
      var on = el === tab;
      el.classList.toggle("is-active", on);
      if (on) el.setAttribute("aria-current", "true"); else el.removeAttribute("aria-current");
    });
    grid.querySelectorAll("[data-grid-day-input]").forEach(function (el) { el.value = tab.dataset.day; });
  });

  // A form marked data-swap-errors shows its 400/422 answer (the form with its errors).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    var status = detail.xhr && detail.xhr.status;
    if (elt && elt.closest && elt.closest("[data-swap-errors]") && (status === 400 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function init(root) {
    root.querySelectorAll("select[data-task-picker]").forEach(enhancePicker);
    root.querySelectorAll("[data-kind-form]").forEach(function (form) {
      syncKind(form);
      var select = form.querySelector("select[name=kind]");
      if (select && !select.dataset.bound) {
        select.dataset.bound = "1";
        select.addEventListener("change", function () { syncKind(form); });
      }
    });
    // Bars: data-width="42.5" (percent) becomes the bar's width.
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var value = parseFloat(el.dataset.width);
      el.style.width = (isNaN(value) ? 0 : Math.max(0, Math.min(100, value))) + "%";
    });
    tick();
  }

  document.addEventListener("click", function (event) {
    // The menu button on narrow screens shows and hides the navigation.
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    // Select a read-only value on click (a token or link shown once).
    var select = event.target.closest("[data-autoselect]");
    if (select) select.select();
    // Dismiss a flash message.
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var message = dismiss.closest(".message");
      if (message) message.remove();
    }
    // Close the dialog a button is in, or an overlay clicked outside its content.
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) closer.closest("dialog").close();
    if (event.target.matches && event.target.matches("dialog[data-overlay]")) event.target.close();
    // Copy a value (the API token shown once).
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.querySelector(copy.dataset.copy);
      if (!input) return;
      input.select();
      var done = function () {
        var label = copy.textContent;
        copy.textContent = "✓";
        setTimeout(function () { copy.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else {
        document.execCommand("copy");
        done();
      }
    }
  });

  // Ask before a destructive submit: data-confirm on the form or on the submitting button.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.dataset.confirm) || event.target.dataset.confirm;
    // No question for a form that is not complete yet: the server answers with its errors.
    var when = event.target.dataset.confirmWhen;
    if (text && when && !event.target.querySelector(when)) text = "";
    if (text && !window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A fragment loaded into an overlay's body opens the overlay.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "overlay-body") return;
    var dialog = target.closest("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });

  // An overlay shows a page of its own address (the draft): when it closes, the address is
  // the list's again (so a reload shows what is on screen).
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog[data-return-url]")) return;
    var back = dialog.dataset.returnUrl;
    if (back && location.pathname + location.search !== back) history.replaceState(null, "", back);
  }, true);

  document.addEventListener("change", function (event) {
    // A select that submits its form when changed (the company switcher).
    var auto = event.target.closest("[data-autosubmit]");
    if (auto && auto.form) auto.form.submit();
    // "Select all" for bulk actions.
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll("input[type=checkbox][name='" + all.dataset.checkAll + "']")
        .forEach(function (box) { box.checked = all.checked; });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // A form answered with errors far down the page: show it, not the top of the page.
    var here = document.querySelector("[data-scroll-here]");
    if (here) {
      here.scrollIntoView({ block: "start" });
      var field = here.querySelector(".has-error input, .field-error, .form-errors");
      if (field && field.focus) field.focus({ preventScroll: true });
    }
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
