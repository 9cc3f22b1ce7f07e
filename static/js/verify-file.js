// The verification page's file check: the chosen file's SHA-256 is computed in the browser
// (crypto.subtle.digest) and compared with the signed document's; the file is never uploaded.
(function () {
  "use strict";
  var box = document.querySelector("[data-verify-file]");
  if (!box) return;
  var input = box.querySelector("input[type=file]");
  var result = box.querySelector("[data-verify-result]");
  var expected = (box.getAttribute("data-sha256") || "").toLowerCase();
  // The copy «с листом подписания» begins with the original's bytes (an incremental PDF update).
  var size = parseInt(box.getAttribute("data-size") || "0", 10);

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); })
      .join("");
  }

  function say(kind, text, hash) {
    result.className = "alert mt-3 mb-0 alert-" + kind;
    result.textContent = text;
    if (hash) {
      var code = document.createElement("div");
      code.className = "font-monospace small text-break mt-1";
      code.textContent = "SHA-256: " + hash;
      result.appendChild(code);
    }
    result.hidden = false;
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    if (!window.crypto || !window.crypto.subtle) {
      say("warning", box.getAttribute("data-msg-unsupported"));
      return;
    }
    say("secondary", box.getAttribute("data-msg-checking"));
    var digest = function (bytes) {
      return window.crypto.subtle.digest("SHA-256", bytes).then(hex);
    };
    file.arrayBuffer()
      .then(function (bytes) {
        return digest(bytes).then(function (hash) {
          if (hash === expected || !size || bytes.byteLength <= size) return { hash: hash, copy: false };
          return digest(bytes.slice(0, size)).then(function (head) {
            return head === expected ? { hash: head, copy: true } : { hash: hash, copy: false };
          });
        });
      })
      .then(function (found) {
        result.setAttribute("data-hash", found.hash);
        if (expected && found.hash === expected) {
          result.setAttribute("data-match", "yes");
          say("success", box.getAttribute(found.copy ? "data-msg-copy" : "data-msg-match"), found.hash);
        } else {
          result.setAttribute("data-match", "no");
          say("danger", box.getAttribute("data-msg-mismatch"), found.hash);
        }
      })
      .catch(function () { say("warning", box.getAttribute("data-msg-unsupported")); });
  });
})();
