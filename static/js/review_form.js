/* 核定数量 (and its 等级) only matter for 核减后通过: the field shows when that choice is made. */
(function () {
  document.querySelectorAll("form[data-review-form]").forEach(function (form) {
    var qty = form.querySelector("[name=quantity_approved]");
    if (!qty) { return; }
    var field = qty.closest(".field") || qty.parentNode;
    function sync() {
      var chosen = form.querySelector("[name=decision]:checked");
      var fewer = chosen && chosen.value === "approve_fewer";
      field.hidden = !fewer;
      qty.required = fewer;
    }
    form.querySelectorAll("[name=decision]").forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  });
})();
