/* global document, TextEncoder, setTimeout */
// Proof of work for sign-up forms (SUBSCRIBE_POW_BITS > 0): before the form is
// posted, find a hashcash-style stamp
//   1:<bits>:<YYMMDDhhmmss UTC>:<email>::<random>:<counter>
// whose SHA-256 starts with <bits> zero bits, and put it in the hidden "pow"
// field. Costs a reader's browser a moment once; costs a bot that work for every
// address it wants to flood. The server checks it (apps/api/src/security/
// proof-of-work.challenge.ts). External file: the CSP forbids inline scripts.
// SHA-256 is computed in plain JS so it also works where crypto.subtle is not
// available (pages served over plain HTTP on a non-local host).
(function () {
  'use strict';

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ];

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /** SHA-256 of a byte array; returns the first word only, which is all the zero-bit count needs (up to 32 bits). */
  function sha256FirstWord(bytes) {
    var length = bytes.length;
    var blocks = Math.ceil((length + 9) / 64);
    var w = new Uint32Array(64);
    var padded = new Uint8Array(blocks * 64);
    padded.set(bytes);
    padded[length] = 0x80;
    var bitLength = length * 8;
    padded[padded.length - 4] = (bitLength >>> 24) & 0xff;
    padded[padded.length - 3] = (bitLength >>> 16) & 0xff;
    padded[padded.length - 2] = (bitLength >>> 8) & 0xff;
    padded[padded.length - 1] = bitLength & 0xff;
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    for (var b = 0; b < blocks; b++) {
      for (var i = 0; i < 16; i++) {
        var o = b * 64 + i * 4;
        w[i] = (padded[o] << 24) | (padded[o + 1] << 16) | (padded[o + 2] << 8) | padded[o + 3];
      }
      for (i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0],
        c1 = h[1],
        c2 = h[2],
        d = h[3],
        e = h[4],
        f = h[5],
        g = h[6],
        hh = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & c1) ^ (a & c2) ^ (c1 & c2))) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c2;
        c2 = c1;
        c1 = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + c1) | 0;
      h[2] = (h[2] + c2) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0;
      h[7] = (h[7] + hh) | 0;
    }
    return h[0] >>> 0;
  }

  function stampDate(now) {
    var iso = now.toISOString();
    return (
      iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19)
    );
  }

  /** Finds a stamp in slices, yielding between them so the page stays responsive. */
  function solve(email, bits, done) {
    var encoder = new TextEncoder();
    var random = Math.random().toString(36).slice(2, 10);
    var prefix = '1:' + bits + ':' + stampDate(new Date()) + ':' + email + '::' + random + ':';
    var limit = bits >= 32 ? 0 : Math.pow(2, 32 - bits);
    var counter = 0;
    (function slice() {
      for (var i = 0; i < 20000; i++, counter++) {
        var stamp = prefix + counter.toString(36);
        if (sha256FirstWord(encoder.encode(stamp)) < limit) return done(stamp);
      }
      setTimeout(slice, 0);
    })();
  }

  function protect(form) {
    var bits = Number(form.getAttribute('data-pow-bits'));
    var field = form.querySelector('input[name="pow"]');
    if (!bits || bits > 32 || !field) return;
    form.addEventListener('submit', function (event) {
      if (field.value) return;
      event.preventDefault();
      var emailInput = form.querySelector('input[name="email"]');
      var email = (emailInput ? emailInput.value : '').trim().toLowerCase();
      var button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      solve(email, bits, function (stamp) {
        field.value = stamp;
        if (button) button.disabled = false;
        // submit() does not fire the submit event again, so this runs once.
        form.submit();
      });
    });
  }

  var forms = document.querySelectorAll('form[data-pow-bits]');
  for (var i = 0; i < forms.length; i++) protect(forms[i]);
})();
