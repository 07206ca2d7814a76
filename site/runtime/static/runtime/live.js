// Refresh the runtime page's mod_wsgi metrics from its JSON every few seconds.
// Each answer comes from whichever process served that request, so the pid
// (and its figures) change as requests land on different processes.
(function () {
  "use strict";
  var table = document.getElementById("wsgi-metrics");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-url");
  var interval = parseInt(table.getAttribute("data-interval"), 10) || 2000;
  var status = document.getElementById("wsgi-metrics-status");
  var failures = 0;

  function show(metrics) {
    if (!metrics) { return; }
    Object.keys(metrics).forEach(function (key) {
      var cell = table.querySelector('[data-metric="' + key + '"]');
      if (!cell) {
        var row = table.insertRow(-1);
        var th = document.createElement("th");
        var code = document.createElement("code");
        code.textContent = key;
        th.appendChild(code);
        row.appendChild(th);
        cell = row.insertCell(-1);
        cell.setAttribute("data-metric", key);
        var none = document.getElementById("wsgi-metrics-none");
        if (none) { none.parentNode.parentNode.removeChild(none.parentNode); }
      }
      var value = metrics[key];
      cell.textContent = value === null || value === undefined ? "–" : String(value);
    });
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        failures = 0;
        show(data.metrics);
        if (status) { status.textContent = "pid " + data.pid + " · " + new Date().toLocaleTimeString(); }
      })
      .catch(function (err) {
        failures += 1;
        if (status) { status.textContent = String(err); }
      })
      .then(function () {
        // Back off while the site does not answer; never hammer it.
        window.setTimeout(poll, interval * Math.min(1 + failures, 10));
      });
  }
  window.setTimeout(poll, interval);
}());
