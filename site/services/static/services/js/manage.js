/* The management pages talk to the services REST API with the session cookie
   and the X-CSRFToken header. Where the API lives comes from the page
   (data-api-base, from reverse()); data-svc-form, data-svc-delete and
   data-svc-upload are paths under it.
   The API's 400 answers ({"field": ["message"]}) are shown next to the
   fields; 401/403/404/413/503 get a plain sentence in the page's language
   (texts come from the data-* attributes of #svc-manage). */
(function () {
  "use strict";

  var cfg = document.getElementById("svc-manage");
  if (!cfg || !window.fetch) { return; }
  var T = cfg.dataset;
  var base = T.apiBase;
  var errorBox = document.getElementById("svc-error");

  function fmt(text, vars) {
    return (text || "").replace(/%\((\w+)\)s/g, function (m, name) {
      return vars && vars[name] !== undefined ? vars[name] : m;
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* fetch() that always resolves to {status, ok, data} (data: parsed JSON or null). */
  function api(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
    var payload = body;
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(base + path, {
      method: method, headers: headers, body: payload,
      credentials: "same-origin", cache: "no-store"
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: resp.status, ok: resp.ok, data: data };
      });
    }, function () {
      return { status: 0, ok: false, data: null };
    });
  }

  function detailOf(res) {
    var d = res.data && res.data.detail;
    return typeof d === "string" ? d : "";
  }

  function messageFor(res) {
    var msg;
    if (res.status === 0) { msg = T.textNetwork; }
    else if (res.status === 401 || res.status === 403) { msg = T.textAuth; }
    else if (res.status === 404) { msg = T.textNotfound; }
    else if (res.status === 503) { msg = T.textUnavailable; }
    else { msg = fmt(T.textGeneric, { status: res.status }); }
    var detail = detailOf(res);
    return detail ? msg + " (" + detail + ")" : msg;
  }

  function showError(text) {
    if (!errorBox) { window.alert(text); return; }
    errorBox.textContent = text;
    errorBox.hidden = !text;
    if (text) { errorBox.scrollIntoView({ block: "nearest" }); }
  }

  function setFlash(kind) {
    try { sessionStorage.setItem("svc-flash", kind); } catch (e) { /* private mode */ }
  }

  (function showFlash() {
    var box = document.getElementById("svc-flash");
    var kind = null;
    try { kind = sessionStorage.getItem("svc-flash"); sessionStorage.removeItem("svc-flash"); } catch (e) { kind = null; }
    var text = kind && T["text" + kind.charAt(0).toUpperCase() + kind.slice(1)];
    if (box && text) { box.textContent = text; box.hidden = false; }
  }());

  /* --- Per-field errors ------------------------------------------------------ */
  function errorSlot(form, field) {
    var slots = form.querySelectorAll("[data-error-for]");
    for (var i = 0; i < slots.length; i++) {
      if (slots[i].getAttribute("data-error-for").split(/\s+/).indexOf(field) !== -1) { return slots[i]; }
    }
    return null;
  }

  function clearErrors(form) {
    // An upload's error stays until the next upload: it is not about this submit.
    form.querySelectorAll("[data-error-for]:not([data-upload-error])").forEach(function (slot) {
      slot.textContent = "";
      var wrapper = slot.closest(".svc-field");
      if (wrapper) { wrapper.classList.remove("has-error"); }
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    showError("");
  }

  function showFieldErrors(form, errors) {
    var general = [];
    var first = null;
    Object.keys(errors || {}).forEach(function (field) {
      var messages = errors[field];
      var text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      var slot = errorSlot(form, field);
      if (!slot) { general.push(field === "non_field_errors" || field === "detail" ? text : field + ": " + text); return; }
      slot.textContent = text;
      var wrapper = slot.closest(".svc-field");
      if (wrapper) {
        wrapper.classList.add("has-error");
        var input = wrapper.querySelector("input:not([type=hidden]), textarea, select");
        if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
      }
    });
    showError(general.length ? T.textFix + " " + general.join(" ") : T.textFix);
    if (first) { first.focus(); }
  }

  /* --- Create / edit forms ------------------------------------------------------ */
  document.querySelectorAll("form[data-svc-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var body = {};
      ["label", "desc", "url", "parent_id", "thumb_img_path", "thumb_img_name"].forEach(function (name) {
        var el = form.elements[name];
        if (el) { body[name] = el.value; }
      });
      var button = form.querySelector("button[type=submit]");
      var original = button ? button.textContent : "";
      if (button) { button.disabled = true; button.textContent = T.textSaving; }
      api(form.dataset.method || "POST", form.dataset.svcForm, body).then(function (res) {
        if (button) { button.disabled = false; button.textContent = original; }
        if (res.ok) {
          var newId = res.data && (typeof res.data.org === "string" ? res.data.org : res.data.group);
          setFlash(form.dataset.flash || "saved");
          window.location.assign((form.dataset.next || "./").replace("__id__", encodeURIComponent(newId || "")));
          return;
        }
        if (res.status === 400 && res.data && typeof res.data === "object") {
          showFieldErrors(form, res.data);
        } else {
          showError(messageFor(res));
        }
      });
    });
  });

  /* --- Delete buttons (with a confirmation) -------------------------------------- */
  document.querySelectorAll("[data-svc-delete]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!window.confirm(button.dataset.confirm)) { return; }
      button.disabled = true;
      api("DELETE", button.dataset.svcDelete).then(function (res) {
        button.disabled = false;
        if (res.ok || res.status === 404) {
          setFlash(res.ok ? "deleted" : "notfound");
          if (button.dataset.redirect) { window.location.assign(button.dataset.redirect); }
          else { window.location.reload(); }
          return;
        }
        showError(messageFor(res));
      });
    });
  });

  /* --- Picture upload ------------------------------------------------------------ */
  var file = document.querySelector("input[type=file][data-svc-upload]");
  if (file) {
    var form = file.form;
    var preview = document.getElementById("svc-preview");
    var status = document.getElementById("id_file_status");
    var pathInput = document.getElementById("id_thumb_img_path");
    var nameInput = document.getElementById("id_thumb_img_name");
    var slot = document.getElementById("id_thumb_error");
    var save = form ? form.querySelector("button[type=submit]") : null;
    var remove = document.getElementById("svc-remove-picture");

    var showPreview = function (src) {
      preview.textContent = "";
      if (src) {
        var img = document.createElement("img");
        img.src = src; img.alt = "";
        preview.appendChild(img);
      } else {
        preview.textContent = T.textNoImage;
      }
    };

    var uploadError = function (text) {
      slot.textContent = text;
      if (text) { slot.setAttribute("data-upload-error", ""); } else { slot.removeAttribute("data-upload-error"); }
      slot.closest(".svc-field").classList.toggle("has-error", !!text);
    };

    file.addEventListener("change", function () {
      uploadError("");
      if (!file.files || !file.files.length) { return; }
      var data = new FormData();
      data.append("file", file.files[0]);
      status.textContent = T.textUploading;
      if (save) { save.disabled = true; }
      api("POST", file.dataset.svcUpload, data).then(function (res) {
        if (save) { save.disabled = false; }
        status.textContent = "";
        if (res.ok && res.data && res.data.thumb_img_path) {
          pathInput.value = res.data.thumb_img_path;
          nameInput.value = res.data.thumb_img_name || "";
          showPreview(res.data.thumb_img_path);
          status.textContent = T.textUploaded;
          return;
        }
        var text;
        if (res.status === 413) { text = fmt(T.textTooBig, { limit: file.dataset.limit }); }
        else if (res.status === 400) {
          text = T.textNotImage;
          var d = detailOf(res) || (res.data && res.data.file && [].concat(res.data.file).join(" "));
          if (d) { text += " (" + d + ")"; }
        }
        else if (res.status === 503) { text = T.textStorageDown + (detailOf(res) ? " (" + detailOf(res) + ")" : ""); }
        else { text = messageFor(res); }
        uploadError(text);
        file.value = "";
      });
    });

    if (remove) {
      remove.addEventListener("click", function () {
        pathInput.value = "";
        nameInput.value = "";
        file.value = "";
        showPreview("");
        remove.hidden = true;
      });
    }
  }
}());
