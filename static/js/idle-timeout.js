/* Idle sign-out warning (accounts/middleware.py IdleTimeoutMiddleware).
 *
 * <body> carries data-idle-seconds-left (seconds before the server ends the session), and the URLs
 * of the keep-alive (a request that counts as activity, answered 204) and of the session status
 * (seconds left, NOT counted as activity, so a tab left open never keeps the session alive by asking).
 *
 * A minute before the end the page asks the server how long is left (another tab may have been used)
 * and, if it is still about a minute, shows a warning; a click on it sends the keep-alive. When the
 * session has ended the page reloads (to the sign-in page, so no patient page stays on a shared
 * screen) unless something was typed into a form: then the page stays, and saving it later keeps
 * the entries through sign-in (the server shows the form again filled in).
 */
(function () {
  "use strict";

  var body = document.body;
  var left = parseInt(body.getAttribute("data-idle-seconds-left"), 10);
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  var statusUrl = body.getAttribute("data-session-status-url");
  if (isNaN(left) || !keepAliveUrl || !statusUrl) {
    return;
  }

  var WARN_S = 60;
  var timer = null;
  var alertBox = null;
  var typed = false;

  document.addEventListener("input", function () { typed = true; }, true);
  document.addEventListener("change", function () { typed = true; }, true);

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(0, seconds) * 1000);
  }

  function hide() {
    if (alertBox) {
      alertBox.remove();
      alertBox = null;
    }
  }

  function show(text, withButton) {
    hide();
    alertBox = document.createElement("div");
    alertBox.className = "alert alert-warning shadow position-fixed bottom-0 end-0 m-3 d-flex align-items-center gap-3";
    alertBox.setAttribute("role", "alert");
    alertBox.style.zIndex = "1080";
    alertBox.style.maxWidth = "32rem";
    var message = document.createElement("span");
    message.textContent = text;
    alertBox.appendChild(message);
    if (withButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-primary btn-sm text-nowrap";
      button.textContent = "Stay signed in";
      alertBox.appendChild(button);
      alertBox.style.cursor = "pointer";
      alertBox.addEventListener("click", stay);
    }
    document.body.appendChild(alertBox);
  }

  function signedOut() {
    window.clearTimeout(timer);
    if (!typed) {
      window.location.reload();
      return;
    }
    show("You were signed out for safety. What you typed is still here: when you save, sign in again and your entries will be kept.", false);
  }

  function request(url) {
    return window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
    });
  }

  function check() {
    request(statusUrl).then(function (response) {
      if (!response.ok) {
        signedOut();
        return null;
      }
      return response.json();
    }).then(function (data) {
      if (!data) {
        return;
      }
      if (data.signed_out) {
        signedOut();
      } else if (data.seconds_left > WARN_S + 5) {
        hide();
        schedule(data.seconds_left - WARN_S);
      } else {
        if (data.renewable) {
          show("You will be signed out in 1 minute for safety; click to stay signed in.", true);
        } else {
          show("You will be signed out in 1 minute: sessions have a maximum length. Save your work, then sign in again.", false);
        }
        schedule(data.seconds_left + 2);
      }
    }).catch(function () {
      schedule(15); // network trouble: ask again shortly
    });
  }

  function stay() {
    request(keepAliveUrl).then(function (response) {
      if (response.status === 204) {
        hide();
        check();
      } else {
        signedOut();
      }
    }).catch(function () {
      schedule(5);
    });
  }

  // Timers of hidden tabs are slowed down by browsers: ask again when the tab is shown.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      check();
    }
  });

  schedule(left - WARN_S);
}());
