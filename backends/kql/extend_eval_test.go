package kql_test

// An independent reading of the scalar functions a profile's extend uses
// to rebuild a Sysmon field from Defender's columns, evaluated as the
// Kusto documentation describes them: parse_json of a string is dynamic and
// a missing member is null, tolong of text that is not a whole number is
// null, binary_and of a null is null, tohex writes lower-case digits
// without leading zeros (a negative long as its 64-bit two's complement),
// iff takes the else branch unless the predicate is true, case the value
// of its first true predicate or else its last argument, strcat reads a
// null as "", tostring writes a null as "", a dynamic string as its text
// and an object or array as JSON, column_ifexists is the named column if
// the row has it, else its default, parse_url of an absolute URL a
// property bag of its parts (Host without the port or the user
// information), of other text a bag of empty parts. Columns are strings, as in the
// where-clause reader; a column read with .Member or [index] is a dynamic
// column (AKSAudit's ObjectRef) whose row value is its JSON text.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xv is a value of an extend expression.
type xv struct {
	kind byte // 'n' null, 's' string, 'l' long, 'b' bool, 'd' dynamic
	s    string
	l    int64
	b    bool
	d    any // a decoded JSON value (json.Number for numbers)
}

var xNull = xv{kind: 'n'}

// xnode evaluates against a row.
type xnode func(row map[string]string) xv

// extendColumn reads the assignment of column in an extend clause (the
// source's attrs.extend: "A = expr, B = expr") and returns its expression.
func extendColumn(extend, column string) (xnode, error) {
	names, exprs, err := extendColumns(extend)
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		if name == column {
			return exprs[i], nil
		}
	}
	return nil, fmt.Errorf("the extend assigns no %s", column)
}

// extendColumns reads every assignment of an extend clause, in order.
func extendColumns(extend string) ([]string, []xnode, error) {
	toks, err := lexKQL(extend)
	if err != nil {
		return nil, nil, err
	}
	p := &kparser{toks: toks}
	var names []string
	var exprs []xnode
	for p.pos < len(p.toks) {
		name := p.next()
		if err := p.expect("="); err != nil {
			return nil, nil, err
		}
		x, err := p.scalar()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", name.text, err)
		}
		names, exprs = append(names, name.text), append(exprs, x)
		if p.pos < len(p.toks) {
			if err := p.expect(","); err != nil {
				return nil, nil, err
			}
		}
	}
	return names, exprs, nil
}

// argument reads an argument of iff or case: a scalar if one ends there,
// otherwise a predicate (A == "x" and isnotempty(B)), read as the
// where-clause reader reads one; a predicate's null stays null.
func (p *kparser) argument() (xnode, error) {
	start := p.pos
	if x, err := p.scalar(); err == nil && (p.peek().text == "," || p.peek().text == ")") {
		return x, nil
	}
	p.pos = start
	pred, err := p.or()
	if err != nil {
		return nil, err
	}
	return func(row map[string]string) xv {
		switch v := pred(row); v.kind {
		case 'b':
			return xv{kind: 'b', b: v.b}
		case 'n':
			return xNull
		default:
			return xv{kind: 's', s: v.s}
		}
	}, nil
}

// scalar reads a literal, a column, a function call, each optionally
// followed by .Member accesses.
func (p *kparser) scalar() (xnode, error) {
	t := p.next()
	var x xnode
	switch {
	case t.kind == 's':
		x = func(map[string]string) xv { return xv{kind: 's', s: t.text} }
	case t.kind == 'r':
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, err
		}
		x = func(map[string]string) xv { return xv{kind: 'l', l: n} }
	case t.kind == 'i' && p.peek().text == "(":
		p.next()
		args, err := callArgs(p, func(int) (xnode, error) {
			if t.text == "iff" || t.text == "case" {
				return p.argument()
			}
			return p.scalar()
		})
		if err != nil {
			return nil, err
		}
		f, err := xfunc(t.text, args)
		if err != nil {
			return nil, err
		}
		x = f
	case t.kind == 'i':
		name := t.text
		x = func(row map[string]string) xv {
			v, ok := row[name]
			if !ok {
				return xNull
			}
			return xv{kind: 's', s: v}
		}
	default:
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	for p.peek().text == "." || p.peek().text == "[" {
		if p.next().text == "[" {
			n, err := strconv.Atoi(p.next().text)
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			inner := x
			x = func(row map[string]string) xv {
				list, ok := dynamic(inner(row)).d.([]any)
				if ok && n < len(list) && list[n] != nil {
					return xv{kind: 'd', d: list[n]}
				}
				return xNull
			}
			continue
		}
		member, inner := p.next().text, x
		x = func(row map[string]string) xv {
			obj, ok := dynamic(inner(row)).d.(map[string]any)
			if v, found := obj[member]; ok && found && v != nil {
				return xv{kind: 'd', d: v}
			}
			return xNull
		}
	}
	return x, nil
}

// dynamic reads a column that a member access or an index is applied to
// as a dynamic column (Kusto allows them on no other type): the row holds
// its JSON text.
func dynamic(v xv) xv {
	if v.kind != 's' {
		return v
	}
	d := json.NewDecoder(strings.NewReader(v.s))
	d.UseNumber()
	var out any
	if d.Decode(&out) != nil {
		return xNull
	}
	return xv{kind: 'd', d: out}
}

func xfunc(name string, args []xnode) (xnode, error) {
	want := map[string]int{"iff": 3, "isnull": 1, "tolong": 1, "tostring": 1, "parse_json": 1, "tohex": 1, "binary_and": 2, "column_ifexists": 2, "parse_url": 1}
	if n, ok := want[name]; ok && n != len(args) {
		return nil, fmt.Errorf("%s takes %d arguments", name, n)
	}
	switch name {
	case "iff":
		return func(row map[string]string) xv {
			if c := args[0](row); c.kind == 'b' && c.b {
				return args[1](row)
			}
			return args[2](row)
		}, nil
	case "case":
		if len(args)%2 == 0 {
			return nil, fmt.Errorf("case takes pairs and an else value")
		}
		return func(row map[string]string) xv {
			for i := 0; i+1 < len(args); i += 2 {
				if c := args[i](row); c.kind == 'b' && c.b {
					return args[i+1](row)
				}
			}
			return args[len(args)-1](row)
		}, nil
	case "isnull":
		return func(row map[string]string) xv { return xv{kind: 'b', b: args[0](row).kind == 'n'} }, nil
	case "parse_json":
		return func(row map[string]string) xv {
			v := args[0](row)
			if v.kind != 's' {
				return v
			}
			d := json.NewDecoder(strings.NewReader(v.s))
			d.UseNumber()
			var out any
			if d.Decode(&out) != nil {
				return xv{kind: 's', s: v.s} // text that is not JSON stays a string
			}
			return xv{kind: 'd', d: out}
		}, nil
	case "tolong":
		return func(row map[string]string) xv {
			v := args[0](row)
			text := v.s
			switch {
			case v.kind == 'l':
				return v
			case v.kind == 'd':
				n, ok := v.d.(json.Number)
				if !ok {
					return xNull
				}
				text = n.String()
			case v.kind != 's':
				return xNull
			}
			n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
			if err != nil {
				return xNull
			}
			return xv{kind: 'l', l: n}
		}, nil
	case "binary_and":
		return func(row map[string]string) xv {
			a, b := args[0](row), args[1](row)
			if a.kind != 'l' || b.kind != 'l' {
				return xNull
			}
			return xv{kind: 'l', l: a.l & b.l}
		}, nil
	case "tohex":
		return func(row map[string]string) xv {
			v := args[0](row)
			if v.kind != 'l' {
				return xNull
			}
			return xv{kind: 's', s: strconv.FormatUint(uint64(v.l), 16)}
		}, nil
	case "tostring":
		return func(row map[string]string) xv {
			switch v := args[0](row); v.kind {
			case 's':
				return v
			case 'l':
				return xv{kind: 's', s: strconv.FormatInt(v.l, 10)}
			case 'b':
				return xv{kind: 's', s: strconv.FormatBool(v.b)}
			case 'd':
				if s, ok := v.d.(string); ok {
					return xv{kind: 's', s: s}
				}
				text, _ := json.Marshal(v.d)
				return xv{kind: 's', s: strings.TrimSpace(string(text))}
			}
			return xv{kind: 's'} // tostring of null is ""
		}, nil
	case "parse_url":
		return func(row map[string]string) xv {
			parts := map[string]any{"Scheme": "", "Host": "", "Port": "", "Path": "", "Username": "", "Password": "", "Query Parameters": map[string]any{}, "Fragment": ""}
			v := args[0](row)
			if u, err := url.Parse(v.s); v.kind == 's' && err == nil && u.Scheme != "" && u.Host != "" {
				parts["Scheme"], parts["Host"], parts["Port"], parts["Path"], parts["Fragment"] = u.Scheme, u.Hostname(), u.Port(), u.Path, u.Fragment
				parts["Username"] = u.User.Username()
			}
			return xv{kind: 'd', d: parts}
		}, nil
	case "column_ifexists":
		// column_ifexists("Name", default): the column when the row has
		// it, else the default.
		return func(row map[string]string) xv {
			if v, ok := row[args[0](row).s]; ok {
				return xv{kind: 's', s: v}
			}
			return args[1](row)
		}, nil
	case "strcat":
		return func(row map[string]string) xv {
			var b bytes.Buffer
			for _, a := range args {
				switch v := a(row); v.kind {
				case 's':
					b.WriteString(v.s)
				case 'l':
					b.WriteString(strconv.FormatInt(v.l, 10))
				}
			}
			return xv{kind: 's', s: b.String()}
		}, nil
	}
	return nil, fmt.Errorf("the reader knows no function %s", name)
}

// TestExtendReader: the reader's functions on the values Kusto's
// documentation gives for them.
func TestExtendReader(t *testing.T) {
	tests := []struct {
		expr string
		row  map[string]string
		want xv
	}{
		{`tohex(256)`, nil, xv{kind: 's', s: "100"}},
		{`tohex(-256)`, nil, xv{kind: 's', s: "ffffffffffffff00"}},
		{`tohex(binary_and(-256, 4294967295))`, nil, xv{kind: 's', s: "ffffff00"}},
		{`tolong(parse_json(A).K)`, map[string]string{"A": `{"K": 5136}`}, xv{kind: 'l', l: 5136}},
		{`tolong(parse_json(A).K)`, map[string]string{"A": `{"K": "0x1410"}`}, xNull},
		{`isnull(tolong(parse_json(A).K))`, map[string]string{"A": `{}`}, xv{kind: 'b', b: true}},
		{`iff(isnull(A), "none", strcat("<", A, ">"))`, map[string]string{"A": "x"}, xv{kind: 's', s: "<x>"}},
		{`iff(isnull(A), "none", A)`, nil, xv{kind: 's', s: "none"}},
		{`iff(isnotempty(A), A, B)`, map[string]string{"A": "", "B": "b"}, xv{kind: 's', s: "b"}},
		{`case(A == "x" and B == "y", "1", A == "x", "2", "")`, map[string]string{"A": "x", "B": "y"}, xv{kind: 's', s: "1"}},
		{`case(A == "x" and B == "y", "1", A == "x", "2", "")`, map[string]string{"A": "x", "B": "z"}, xv{kind: 's', s: "2"}},
		{`case(A == "x" and B == "y", "1", A == "x", "2", "")`, map[string]string{"A": "X", "B": "y"}, xv{kind: 's', s: ""}},
		{`tostring(D.resource)`, map[string]string{"D": `{"resource": "pods", "apiGroup": ""}`}, xv{kind: 's', s: "pods"}},
		{`tostring(D.subresource)`, map[string]string{"D": `{"resource": "pods"}`}, xv{kind: 's', s: ""}},
		{`tostring(D.resource)`, nil, xv{kind: 's', s: ""}},
		{`tolong(D.code)`, map[string]string{"D": `{"metadata": {}, "code": 403}`}, xv{kind: 'l', l: 403}},
		{`tostring(D[0])`, map[string]string{"D": `["20.54.12.7", "10.224.0.4"]`}, xv{kind: 's', s: "20.54.12.7"}},
		{`tostring(D[2])`, map[string]string{"D": `["20.54.12.7"]`}, xv{kind: 's', s: ""}},
		{`tostring(parse_url(A).Host)`, map[string]string{"A": "https://user@hooks.slack.com:8443/services/T0/B0?x=1#f"}, xv{kind: 's', s: "hooks.slack.com"}},
		{`tostring(parse_url(A).Host)`, map[string]string{"A": "discord.com"}, xv{kind: 's', s: ""}},
		{`iff(A contains "://", tostring(parse_url(A).Host), A)`, map[string]string{"A": "discord.com"}, xv{kind: 's', s: "discord.com"}},
		{`iff(A contains "://", tostring(parse_url(A).Host), A)`, map[string]string{"A": "HTTP://Discord.com/api"}, xv{kind: 's', s: "Discord.com"}},
		{`tostring(D.groups)`, map[string]string{"D": `{"groups": ["system:masters"]}`}, xv{kind: 's', s: `["system:masters"]`}},
	}
	for _, tt := range tests {
		x, err := extendColumn("X = "+tt.expr, "X")
		require.NoError(t, err, tt.expr)
		assert.Equal(t, tt.want, x(tt.row), tt.expr)
	}
}
