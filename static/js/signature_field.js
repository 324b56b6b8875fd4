/* Signature pads for the consent form: finger, pen or mouse (signature_pad handles pointer events).
   Each [data-signature-pad] holds a canvas, a clear button, and names the hidden input it fills. */
(function () {
  "use strict";
  function setUp(container) {
    var canvas = container.querySelector("canvas");
    var input = document.getElementById(container.dataset.signaturePad);
    var clear = container.querySelector("[data-signature-clear]");
    var status = container.querySelector("[data-signature-status]");
    var pad = new SignaturePad(canvas, { penColor: "#0b0c0c", minWidth: 0.8, maxWidth: 2.6 });
    // A signature sent back with the form (the clinician's password was refused, or another field
    // needs correcting) is kept: the patient is never asked to sign again for someone else's error.
    var kept = /^data:image\/png;base64,/.test(input.value) ? input.value : null;

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (kept && !data.length) {
        pad.fromDataURL(kept);
      } else {
        pad.fromData(data);
      }
    }
    function sync() {
      if (kept && !pad.toData().length) {
        input.value = kept;
        if (status) { status.textContent = "Signature kept from the first attempt."; }
        return;
      }
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      if (status) { status.textContent = pad.isEmpty() ? "Not signed yet." : "Signature captured."; }
    }
    pad.addEventListener("beginStroke", function () {
      if (kept) { kept = null; pad.clear(); }  // a new stroke starts a new signature
    });
    pad.addEventListener("endStroke", sync);
    clear.addEventListener("click", function () { kept = null; pad.clear(); sync(); });
    window.addEventListener("resize", resize);
    container.closest("form").addEventListener("submit", sync);
    container.hidden = false;
    resize();
    sync();
  }
  document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  // Show only the inputs for the chosen way of signing.
  var radios = document.querySelectorAll("input[name='method']");
  function showMethod() {
    var chosen = document.querySelector("input[name='method']:checked");
    document.querySelectorAll("[data-method]").forEach(function (el) {
      el.hidden = !chosen || el.dataset.method !== chosen.value;
    });
    window.dispatchEvent(new Event("resize"));  // a pad shown now needs its canvas sized
  }
  radios.forEach(function (r) { r.addEventListener("change", showMethod); });
  if (radios.length) { showMethod(); }
})();
