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

  function init(root) {
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
