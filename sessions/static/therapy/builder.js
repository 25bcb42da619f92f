// Program builder: show the stage-1 override reason only when the chosen exercise needs it.
(function () {
  "use strict";
  var form = document.querySelector(".add-form");
  if (!form) return;
  var select = form.querySelector("select[name=exercise]");
  var override = form.querySelector("[data-override]");
  function update() {
    var option = select.options[select.selectedIndex];
    var needs = option && option.getAttribute("data-movement") === "1";
    var hasError = override.classList.contains("has-error");
    // Shown, not required: the server applies the stage rule and explains a refusal.
    override.classList.toggle("is-hidden", !needs && !hasError);
  }
  if (select && override) {
    select.addEventListener("change", update);
    update();
  }
})();
