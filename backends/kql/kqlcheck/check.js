// check.js runs Microsoft's Kusto.Language parser and binder over a batch
// of KQL queries. It reads one JSON request on stdin and writes one JSON
// answer on stdout:
//
//   request: {"databases": {"<db>": {"tables":    [{"name", "columns": [{"name", "type"}]}],
//                                     "functions": [{"name", "params", "columns"}]}},
//             "queries":   [{"id", "db", "text", "literals"}]}
//   answer:  {"results": [{"id", "diagnostics": [{"severity", "code", "start", "length", "message"}],
//                          "literals": ["..."]}]}
//
// Each database declares the tables and functions a query may use, so that
// an unknown table, function, parameter or column is an error too. With
// "literals" set, the answer lists the value of every string literal token
// in the query, as the parser decodes it.
'use strict';

const path = require('path');
const lib = path.join(__dirname, 'node_modules', '@kusto', 'language-service-next');
require(path.join(lib, 'bridge.min.js'));
require(path.join(lib, 'Kusto.Language.Bridge.min.js'));

const K = global.Kusto.Language;
const S = K.Symbols;

// name quotes a column name for a schema declaration; JSON string escapes
// are valid KQL string-literal escapes.
function name(n) {
  return '[' + JSON.stringify(n) + ']';
}

function schema(columns) {
  return '(' + columns.map((c) => name(c.name) + ':' + c.type).join(', ') + ')';
}

function database(dbName, spec) {
  const members = [];
  for (const t of spec.tables || []) {
    members.push(S.TableSymbol.From(schema(t.columns)).WithName(t.name));
  }
  for (const f of spec.functions || []) {
    const body = '{ datatable' + schema(f.columns) + '[] }';
    members.push(new S.FunctionSymbol.$ctor16(f.name, f.params || '()', body, null));
  }
  return K.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor1(dbName, members, false));
}

function check(q, globals) {
  const code = K.KustoCode.ParseAndAnalyze(q.text, globals);
  const list = code.GetDiagnostics();
  const diagnostics = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    diagnostics.push({ severity: String(d.Severity), code: d.Code, start: d.Start, length: d.Length, message: d.Message });
  }
  const result = { id: q.id, diagnostics };
  if (q.literals) {
    result.literals = [];
    for (let tok = code.Syntax.GetFirstToken(); tok; tok = tok.GetNextToken()) {
      if (tok.Kind === K.Syntax.SyntaxKind.StringLiteralToken) {
        result.literals.push(K.KustoFacts.GetStringLiteralValue(tok.Text));
      }
    }
  }
  return result;
}

function main(input) {
  const req = JSON.parse(input);
  const dbs = {};
  for (const [dbName, spec] of Object.entries(req.databases || {})) {
    dbs[dbName] = database(dbName, spec);
  }
  const results = [];
  for (const q of req.queries || []) {
    const globals = dbs[q.db];
    if (!globals) {
      throw new Error('query ' + q.id + ' names unknown database ' + JSON.stringify(q.db));
    }
    results.push(check(q, globals));
  }
  process.stdout.write(JSON.stringify({ results }));
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  try {
    main(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
    process.exit(1);
  }
});
