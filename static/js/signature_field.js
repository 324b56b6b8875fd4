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

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    }
    function sync() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      if (status) { status.textContent = pad.isEmpty() ? "Not signed yet." : "Signature captured."; }
    }
    pad.addEventListener("endStroke", sync);
    clear.addEventListener("click", function () { pad.clear(); sync(); });
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
