// Small helpers of the patient pages: filter chips that apply at once, extra injection lines.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });
  var add = document.querySelector("[data-add-line]");
  var lines = document.querySelector("[data-site-lines]");
  if (add && lines) {
    add.addEventListener("click", function () {
      var rows = lines.querySelectorAll("[data-site-line]");
      if (rows.length >= 30) return;
      var copy = rows[rows.length - 1].cloneNode(true);
      var index = rows.length;
      copy.querySelectorAll("select, input").forEach(function (field) {
        field.name = field.name.replace(/site-\d+-/, "site-" + index + "-");
        if (field.tagName === "INPUT") field.value = "";
        else if (!/-side$/.test(field.name)) field.selectedIndex = 0;
      });
      lines.appendChild(copy);
      copy.querySelector("select").focus();
    });
  }
})();
