// detc catalog: copy buttons, and the index's filters and sorting. Works
// from file:// (no request is made).
(function () {
  'use strict';

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { document.execCommand('copy'); } catch (e) { /* the text stays selected */ }
  }

  function initCopy(root) {
    root.querySelectorAll('button[data-copy]').forEach(function (button) {
      if (button.dataset.copyReady) { return; }
      button.dataset.copyReady = '1';
      button.addEventListener('click', function () {
        var el = document.getElementById(button.getAttribute('data-copy'));
        if (!el) { return; }
        var done = function () {
          button.textContent = 'Copied';
          setTimeout(function () { button.textContent = 'Copy'; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(el.textContent).then(done, function () { selectText(el); done(); });
        } else {
          selectText(el);
          done();
        }
      });
    });
  }

  function initCatalog() {
    var table = document.getElementById('catalog');
    if (!table) { return; }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var form = document.getElementById('filters');
    var shown = document.getElementById('shown');
    var none = document.getElementById('none');
    rows.forEach(function (row) { row.dataset.text = row.textContent.toLowerCase(); });

    function filter() {
      var text = form.elements.text.value.trim().toLowerCase();
      var level = form.elements.level.value;
      var logsource = form.elements.logsource.value;
      var tactic = form.elements.tactic.value;
      var target = form.elements.target.value;
      var n = 0;
      rows.forEach(function (row) {
        var d = row.dataset;
        var ok = (!text || d.text.indexOf(text) >= 0) &&
          (!level || d.level === level) &&
          (!logsource || d.logsource === logsource) &&
          (!tactic || (' ' + d.tactics + ' ').indexOf(' ' + tactic + ' ') >= 0) &&
          (!target || (' ' + d.targets + ' ').indexOf(' ' + target + ' ') >= 0);
        row.hidden = !ok;
        if (ok) { n++; }
      });
      shown.textContent = n === rows.length ? rows.length + ' detections' : n + ' of ' + rows.length + ' detections shown';
      none.hidden = n > 0;
    }
    form.addEventListener('input', filter);
    form.addEventListener('change', filter);
    form.addEventListener('submit', function (e) { e.preventDefault(); });

    table.querySelectorAll('th button[data-sort]').forEach(function (button) {
      button.addEventListener('click', function () {
        var key = button.getAttribute('data-sort');
        var th = button.parentNode;
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var value = function (row) { return key === 'level' ? Number(row.dataset.levelRank) : (row.dataset[key] || '').toLowerCase(); };
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          var c = x < y ? -1 : x > y ? 1 : 0;
          if (c === 0) { c = a.dataset.title < b.dataset.title ? -1 : a.dataset.title > b.dataset.title ? 1 : 0; }
          return dir === 'ascending' ? c : -c;
        });
        rows.forEach(function (row) { tbody.appendChild(row); });
      });
    });
    filter();
  }

  window.detcCopy = initCopy;
  document.addEventListener('DOMContentLoaded', function () {
    initCopy(document);
    initCatalog();
  });
}());
