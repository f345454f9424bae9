// detc playground: sends the rule and events to the local detc serve
// (POST api/compile) as one types and shows what comes back. The state
// lives in the address's fragment (#s=...), which browsers never send to
// a server, so a link shares the rule without storing it anywhere.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var format = $('pg-format'), targetSel = $('pg-target'), profile = $('pg-profile'), lang = $('pg-lang');
  var ruleText = $('pg-rule'), events = $('pg-events'), status = $('pg-status');
  var seq = 0, timer = null;

  function encode(obj) {
    var bytes = new TextEncoder().encode(JSON.stringify(obj));
    var bin = '';
    bytes.forEach(function (b) { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function decode(text) {
    var bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return JSON.parse(new TextDecoder().decode(bytes));
  }
  function fill(select, values, keep) {
    select.textContent = '';
    values.forEach(function (v) {
      var o = document.createElement('option');
      o.value = v; o.textContent = v;
      select.appendChild(o);
    });
    if (keep && values.indexOf(keep) >= 0) { select.value = keep; }
  }
  function targetChanged(keepProfile, keepLang) {
    var o = targetSel.options[targetSel.selectedIndex];
    fill(profile, o.dataset.profiles.split(' '), keepProfile);
    fill(lang, o.dataset.langs.split(' '), keepLang);
  }
  function state() {
    return { f: format.value, t: targetSel.value, p: profile.value, l: lang.value, r: ruleText.value, e: events.value };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function codeBlock(id, text, cls) {
    var wrap = el('div', 'code');
    var b = el('button', 'copy', 'Copy');
    b.type = 'button';
    b.setAttribute('data-copy', id);
    var pre = el('pre');
    var code = el('code', cls, text);
    code.id = id;
    pre.appendChild(code);
    wrap.appendChild(b);
    wrap.appendChild(pre);
    return wrap;
  }
  function selectLine(line, col) {
    var lines = ruleText.value.split('\n');
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var len = line - 1 < lines.length ? lines[line - 1].length : 0;
    ruleText.focus();
    ruleText.setSelectionRange(start + Math.max(0, Math.min(col - 1, len)), start + len);
  }
  function render(res) {
    var diags = $('pg-diags'), queries = $('pg-queries'), deploy = $('pg-deploy'), tbody = $('pg-events-table').tBodies[0];
    [diags, queries, deploy, tbody].forEach(function (n) { n.textContent = ''; });
    $('pg-runbook').textContent = '';
    (res.diagnostics || []).forEach(function (d) {
      var li = el('li', d.severity);
      li.dataset.line = d.line;
      li.dataset.col = d.col;
      var b = el('button', null, (d.file ? d.file + ':' : '') + d.line + ':' + d.col + ': ' + d.severity + ': ' + d.message);
      b.type = 'button';
      b.addEventListener('click', function () { selectLine(d.line, d.col); });
      li.appendChild(b);
      diags.appendChild(li);
    });
    if (res.error) {
      diags.appendChild(el('li', 'error', res.error));
    } else if (!diags.firstChild) {
      diags.appendChild(el('li', 'ok', 'No problems.'));
    }
    var runbooks = [];
    (res.rules || []).forEach(function (r, i) {
      var sec = el('div', 'query');
      sec.appendChild(el('h3', null, r.title || r.id || 'rule ' + (i + 1)));
      if (r.refusal) {
        sec.appendChild(el('p', 'refusal', 'Refused: ' + r.refusal));
      } else if (r.query !== undefined) {
        sec.appendChild(codeBlock('pg-query-' + i, r.query, 'pg-query'));
      }
      queries.appendChild(sec);
      (r.deployment || []).forEach(function (a, j) {
        deploy.appendChild(el('h3', null, a.path));
        deploy.appendChild(codeBlock('pg-deploy-' + i + '-' + j, a.text));
      });
      if (r.runbook_html) { runbooks.push(r.runbook_html); }
      if (r.events_error) {
        var tr = el('tr', 'bad');
        var td = el('td', 'fail', r.events_error);
        td.colSpan = 4;
        tr.appendChild(td);
        tbody.appendChild(tr);
      }
      (r.events || []).forEach(function (ev) {
        var tr = el('tr', ev.error ? 'bad' : (ev.matched ? 'agree' : ''));
        var at = /:(\d+)(?::\d+)?$/.exec(ev.where);
        var line = at ? at[1] : ev.where;
        // An event without an _id is named L<line>: the line says it.
        tr.appendChild(el('td', null, line + (ev.id && ev.id !== 'L' + line ? ' (' + ev.id + ')' : '')));
        tr.appendChild(el('td', null, r.title || r.id));
        if (ev.error) {
          var td = el('td', 'fail', ev.error);
          td.colSpan = 2;
          tr.appendChild(td);
        } else {
          tr.dataset.matched = ev.matched;
          tr.appendChild(el('td', ev.matched ? 'pass' : null, ev.matched ? 'match' : 'no match'));
          var cell = el('td');
          var det = el('details');
          det.appendChild(el('summary', null, 'why'));
          det.appendChild(el('pre', 'explain', ev.explain));
          cell.appendChild(det);
          tr.appendChild(cell);
        }
        tbody.appendChild(tr);
      });
    });
    // The server renders the runbook's Markdown with raw HTML dropped and
    // unsafe links removed; the page's policy allows no inline script.
    $('pg-runbook').innerHTML = runbooks.join('<hr>');
    if (window.detcCopy) { window.detcCopy(document); }
  }
  function update() {
    var s = state();
    history.replaceState(null, '', '#s=' + encode(s));
    var mine = ++seq;
    status.textContent = 'Compiling…';
    fetch('api/compile', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ format: s.f, target: s.t, profile: s.p, lang: s.l, rule: s.r, events: s.e })
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var res;
        try { res = JSON.parse(text); } catch (e) { res = { error: text || resp.statusText }; }
        return res;
      });
    }).then(function (res) {
      if (mine !== seq) { return; }
      status.textContent = res.error ? 'Error: ' + res.error : 'Up to date.';
      status.className = res.error ? 'fail' : '';
      render(res);
    }, function (err) {
      if (mine !== seq) { return; }
      status.textContent = 'Error: the server did not answer (' + err.message + ').';
      status.className = 'fail';
    });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  }
  function restore() {
    var m = /^#s=([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (!m) { targetChanged(); return; }
    try {
      var s = decode(m[1]);
      format.value = s.f === 'hcl' ? 'hcl' : 'sigma';
      targetSel.value = s.t || targetSel.options[0].value;
      if (targetSel.selectedIndex < 0) { targetSel.selectedIndex = 0; }
      targetChanged(s.p, s.l);
      ruleText.value = typeof s.r === 'string' ? s.r : '';
      events.value = typeof s.e === 'string' ? s.e : '';
    } catch (e) {
      targetChanged();
      status.textContent = 'The link could not be read: ' + e.message;
    }
  }
  targetSel.addEventListener('change', function () { targetChanged(); schedule(); });
  [format, profile, lang].forEach(function (s) { s.addEventListener('change', schedule); });
  [ruleText, events].forEach(function (t) { t.addEventListener('input', schedule); });
  $('pg-share').addEventListener('click', function () {
    var url = location.href;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { status.textContent = 'Link copied.'; }, function () { status.textContent = 'Link: ' + url; });
    } else {
      status.textContent = 'Link: ' + url;
    }
  });
  window.addEventListener('hashchange', function () { restore(); update(); });
  restore();
  update();
}());
