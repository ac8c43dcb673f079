/* global document, fetch, setTimeout */
// Operator dashboard: polls the JSON the page was rendered from and redraws the
// live tables and figures. External file because the CSP forbids inline scripts;
// every value goes in through textContent, never as markup.
(function () {
  'use strict';
  var root = document.getElementById('dashboard');
  if (!root) return;
  var source = root.getAttribute('data-source');
  var seconds = Math.max(1, Number(root.getAttribute('data-refresh-seconds')) || 5);
  var status = root.querySelector('[data-live-status]');
  var NUMERIC = {
    recipients: 1,
    sent: 1,
    failed: 1,
    skipped: 1,
    subscribers: 1,
    waiting: 1,
    active: 1,
    delayed: 1,
    workers: 1,
  };

  function pick(data, path) {
    return path.split('.').reduce(function (v, k) {
      return v == null ? v : v[k];
    }, data);
  }

  function cell(key, item) {
    var td = document.createElement('td');
    var value = item[key];
    if (key === 'progress') {
      var bar = document.createElement('progress');
      bar.max = 100;
      bar.value = Number(value) || 0;
      var label = document.createElement('span');
      label.textContent = (Number(value) || 0) + '%';
      td.appendChild(bar);
      td.appendChild(document.createTextNode(' '));
      td.appendChild(label);
    } else if (key === 'status') {
      var badge = document.createElement('span');
      badge.className = 'status status-' + String(value).replace(/[^a-z-]/g, '');
      badge.textContent = value;
      td.appendChild(badge);
    } else {
      td.textContent = value == null || value === '' ? '—' : String(value);
      if (NUMERIC[key]) td.className = 'num';
      if (key === 'reason') td.className = 'reason';
    }
    return td;
  }

  function redrawTable(table, rows) {
    var keys = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
      return th.getAttribute('data-key');
    });
    var idKey = table.getAttribute('data-row-id');
    var body = document.createElement('tbody');
    if (!rows || rows.length === 0) {
      var tr = document.createElement('tr');
      var td = document.createElement('td');
      td.colSpan = keys.length;
      td.className = 'muted';
      td.textContent = table.getAttribute('data-empty') || 'Nothing yet.';
      tr.appendChild(td);
      body.appendChild(tr);
    }
    (rows || []).forEach(function (item) {
      var row = document.createElement('tr');
      if (idKey) row.setAttribute('data-row-id', item[idKey]);
      keys.forEach(function (key) {
        row.appendChild(cell(key, item));
      });
      body.appendChild(row);
    });
    table.replaceChild(body, table.querySelector('tbody'));
  }

  function redraw(data) {
    root.querySelectorAll('table[data-live]').forEach(function (table) {
      redrawTable(table, pick(data, table.getAttribute('data-live')));
    });
    root.querySelectorAll('[data-live-text]').forEach(function (el) {
      var value = pick(data, el.getAttribute('data-live-text'));
      el.textContent = value == null ? '—' : String(value);
    });
  }

  function refresh() {
    fetch(source, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (data) {
        redraw(data);
        if (status) status.textContent = 'refreshing every ' + seconds + ' s';
        root.classList.remove('stale');
      })
      .catch(function (err) {
        if (status) status.textContent = 'update failed (' + err.message + '), retrying';
        root.classList.add('stale');
      })
      .then(function () {
        setTimeout(refresh, seconds * 1000);
      });
  }

  setTimeout(refresh, seconds * 1000);
})();
