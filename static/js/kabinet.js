// Kabinet: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Phone fields format as you type: +7 (900) 000-00-01.
  function formatPhone(value) {
    var digits = value.replace(/\D/g, "");
    if (!digits) return "";
    if (digits[0] === "8") digits = "7" + digits.slice(1);
    if (digits[0] === "9") digits = "7" + digits;
    if (digits[0] !== "7") return "+" + digits;
    digits = digits.slice(1, 11);
    var out = "+7";
    if (digits.length > 0) out += " (" + digits.slice(0, 3);
    if (digits.length >= 3) out += ")";
    if (digits.length > 3) out += " " + digits.slice(3, 6);
    if (digits.length > 6) out += "-" + digits.slice(6, 8);
    if (digits.length > 8) out += "-" + digits.slice(8, 10);
    return out;
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-phone-mask]") && event.inputType !== "deleteContentBackward") {
      el.value = formatPhone(el.value);
    }
  });
})();
