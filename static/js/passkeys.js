/* Passkeys (WebAuthn): a button with `data-passkey="register"` or `data-passkey="sign-in"` asks the server
   for options (`data-options-url`), hands them to the browser's authenticator and posts the answer back
   (`data-verify-url`); the server's JSON says where to go next or what went wrong. The texts shown come
   from the button's data attributes (translated in the template). */
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
      excludeCredentials: descriptors(options.excludeCredentials),
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    });
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
    };
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : undefined,
      },
    };
  }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || "");
        return data;
      });
    });
  }

  function start(button) {
    var form = button.closest("form");
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var status = document.getElementById(button.dataset.status);
    var say = function (text) { if (status) status.textContent = text; };
    var extra = {};
    if (button.dataset.passkey === "register") {
      var name = form.querySelector("[name=name]");
      extra.name = name ? name.value : "";
    } else {
      var remember = form.querySelector("[name=remember_me]");
      extra.remember = Boolean(remember && remember.checked);
    }
    if (!window.PublicKeyCredential) {
      say(button.dataset.msgUnsupported);
      return;
    }
    button.disabled = true;
    say(button.dataset.msgWaiting);
    post(button.dataset.optionsUrl, token)
      .then(function (options) {
        if (button.dataset.passkey === "register") {
          return navigator.credentials.create({ publicKey: creationOptions(options) }).then(registrationJSON);
        }
        return navigator.credentials.get({ publicKey: requestOptions(options) }).then(assertionJSON);
      })
      .then(function (credential) {
        return post(button.dataset.verifyUrl, token, Object.assign({ credential: credential }, extra));
      })
      .then(function (data) {
        window.location.assign(data.redirect);
      })
      .catch(function (error) {
        button.disabled = false;
        say((error && error.message && error.name === "Error" ? error.message : "") || button.dataset.msgFailed);
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey]");
    if (!button) return;
    event.preventDefault();
    start(button);
  });
})();
