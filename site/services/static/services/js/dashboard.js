/* The services dashboard refreshes itself: every few seconds it asks
   status.json (the same checks as the page) and updates the cards in place.
   Texts in the user's language come from data-* attributes of the page. */
(function () {
  "use strict";

  var root = document.getElementById("svc-dashboard");
  if (!root || !window.fetch) { return; }

  var url = root.dataset.statusUrl;
  var interval = parseInt(root.dataset.interval, 10) || 5000;
  var auto = document.getElementById("svc-auto");
  var summary = document.getElementById("svc-summary");
  var summaryText = document.getElementById("svc-summary-text");
  var unreachable = document.getElementById("svc-unreachable");
  var checkedAt = document.getElementById("svc-checked-at");
  var timer = null;
  var busy = false;
  var none = root.dataset.textNone || "-";

  function setText(el, text) {
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    return d.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
  }

  function updateCard(service) {
    var card = root.querySelector('.svc-card[data-key="' + service.key + '"]');
    if (!card) { return; }
    card.classList.remove("svc-up", "svc-down", "svc-off");
    card.classList.add("svc-" + service.state);
    setText(card.querySelector('[data-field="name"]'), service.name);
    setText(card.querySelector('[data-field="state_label"]'), service.state_label);
    setText(card.querySelector('[data-field="version"]'), service.version || none);
    setText(card.querySelector('[data-field="latency"]'),
      service.latency_ms === null || service.latency_ms === undefined
        ? none : service.latency_ms + " " + root.dataset.textMs);
    // A "not configured" card keeps its explanation (in the page's language);
    // configuration does not change while the page is open.
    if (service.state !== "off") {
      setText(card.querySelector('[data-field="detail"]'), service.detail || "");
    }
  }

  function updateRuntime(rows) {
    (rows || []).forEach(function (row) {
      var item = root.querySelector('#svc-runtime [data-key="' + row.key + '"] dd');
      var value = row.value === null || row.value === undefined || row.value === "" ? none : String(row.value);
      setText(item, value);
    });
  }

  function render(data) {
    var counts = { up: 0, down: 0, off: 0 };
    data.services.forEach(function (s) { counts[s.state] += 1; updateCard(s); });
    Object.keys(counts).forEach(function (k) {
      setText(document.getElementById("svc-count-" + k), String(counts[k]));
    });
    summary.classList.remove("is-ok", "is-degraded", "is-down", "is-stale");
    summary.classList.add("is-" + data.status);
    setText(summaryText, root.dataset["text" + data.status.charAt(0).toUpperCase() + data.status.slice(1)]);
    checkedAt.setAttribute("datetime", data.checked_at);
    setText(checkedAt, formatTime(data.checked_at));
    updateRuntime(data.runtime_rows);
    unreachable.hidden = true;
  }

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .then(render)
      .catch(function () {
        summary.classList.add("is-stale");
        unreachable.textContent = root.dataset.textUnreachable;
        unreachable.hidden = false;
      })
      .then(function () { busy = false; });
  }

  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    if (auto.checked && !document.hidden) { timer = setInterval(refresh, interval); }
  }

  setText(checkedAt, formatTime(checkedAt.getAttribute("datetime")));
  auto.addEventListener("change", function () { if (auto.checked) { refresh(); } schedule(); });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && auto.checked) { refresh(); }
    schedule();
  });
  schedule();
}());
