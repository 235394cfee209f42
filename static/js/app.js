/* Progressive enhancement only: every page works without this file.
 * - the error summary takes focus, and its links focus the field they name;
 * - the intake form lists the registered establishments of a typed KvK number, and says when
 *   the employer has a repeat signal;
 * - a bulk regeneration job's page follows its progress, and shows the result when done.
 */
(function () {
  "use strict";

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) { return false; }
    var group = field.closest("fieldset");
    var label = group ? group.querySelector("legend") : document.querySelector('label[for="' + id + '"]');
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
    return true;
  }

  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link && focusField(link.getAttribute("href").slice(1))) {
        event.preventDefault();
      }
    });
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function establishmentList(box, data) {
    var t = box.dataset;
    var fieldset = element("fieldset", { "class": "field field--choices", id: "employer-choices" });
    fieldset.appendChild(element("legend", { "class": "field__label" }, t.legend.replace("{kvk}", data.kvk_number)));
    fieldset.appendChild(element("p", { "class": "field__help" }, t.help));
    data.employers.forEach(function (employer, index) {
      var id = "id_employer_choice" + (index ? "_" + index : "");
      var row = element("div", { "class": "choice" });
      var input = element("input", { type: "radio", name: "employer_choice", value: String(employer.id), id: id });
      if (data.employers.length === 1) { input.checked = true; }
      var label = element("label", { "for": id }, employer.name + (employer.address ? ", " + employer.address : "") + " ");
      var number = employer.establishment_number
        ? t.establishment.replace("{number}", employer.establishment_number) : t.noEstablishment;
      label.appendChild(element("span", { "class": "muted" }, "(" + number + ")"));
      row.appendChild(input);
      row.appendChild(document.createTextNode(" "));
      row.appendChild(label);
      fieldset.appendChild(row);
    });
    var other = element("div", { "class": "choice" });
    other.appendChild(element("input", { type: "radio", name: "employer_choice", value: "new", id: "id_employer_choice_new" }));
    other.appendChild(document.createTextNode(" "));
    other.appendChild(element("label", { "for": "id_employer_choice_new" }, t.other));
    fieldset.appendChild(other);
    return fieldset;
  }

  function repeatSignal(box, reasons) {
    var note = element("div", { "class": "message message--warning repeat-signal", "data-testid": "repeat-signal" });
    var title = element("p");
    title.appendChild(element("strong", {}, box.dataset.repeat));
    note.appendChild(title);
    var list = element("ul");
    reasons.forEach(function (reason) { list.appendChild(element("li", {}, reason)); });
    note.appendChild(list);
    return note;
  }

  function employerLookup() {
    var box = document.getElementById("employer-lookup");
    var kvk = document.getElementById("id_kvk_number");
    if (!box || !kvk || !window.fetch) { return; }
    var asked = box.querySelector("fieldset") ? kvk.value.trim() : "";
    function show(value) {
      if (value === asked) { return; }
      asked = value;
      if (!/^[0-9]{8}$/.test(value)) { box.replaceChildren(); return; }
      fetch(box.dataset.url + "?kvk=" + encodeURIComponent(value), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (!data || value !== kvk.value.trim()) { return; }
        if (data.employers.length) {
          box.replaceChildren(establishmentList(box, data));
          if (data.repeat_signal && data.repeat_signal.length) {
            box.appendChild(repeatSignal(box, data.repeat_signal));
          }
        } else {
          box.replaceChildren(element("p", { "class": "field__help" }, box.dataset.unknown));
        }
      }).catch(function () { box.replaceChildren(); });
    }
    kvk.addEventListener("input", function () { show(kvk.value.trim()); });
    kvk.addEventListener("change", function () { show(kvk.value.trim()); });
  }

  function batchProgress() {
    var panel = document.querySelector("[data-batch-progress][data-running]");
    if (!panel || !window.fetch) { return; }
    var bar = panel.querySelector("[data-progress-bar]");
    var text = panel.querySelector("[data-progress-text]");
    function poll() {
      fetch(panel.dataset.batchProgress, {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (!data) { return; }
        if (data.finished) { window.location.reload(); return; }
        bar.value = data.done + data.failed;
        var line = text.dataset.template.replace("{done}", data.done)
          .replace("{failed}", data.failed).replace("{pending}", data.pending);
        if (text.textContent !== line) { text.textContent = line; }
        window.setTimeout(poll, 3000);
      }).catch(function () { window.setTimeout(poll, 10000); });
    }
    window.setTimeout(poll, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    errorSummary();
    employerLookup();
    batchProgress();
  });
}());
