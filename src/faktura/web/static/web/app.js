/* Faktura back office: the few behaviours htmx does not cover. No build step. */
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
    tick();
  }

  document.addEventListener("click", function (event) {
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

  document.addEventListener("change", function (event) {
    // "Select all" for bulk actions.
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll("input[type=checkbox][name='" + all.dataset.checkAll + "']")
        .forEach(function (box) { box.checked = all.checked; });
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
