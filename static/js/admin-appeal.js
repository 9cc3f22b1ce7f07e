// Back office, request page: choosing a reply template fills the message to the client.
// Without JavaScript the server uses the template when the message is left empty.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_reply_template");
    var message = document.getElementById("id_comment");
    if (!select || !message) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var body = option && option.getAttribute("data-body");
      if (body === null) return;
      if (message.value.trim() && !window.confirm(select.getAttribute("data-confirm") || "")) return;
      message.value = body;
      message.focus();
    });
  });
})();
