package condition

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/internal/rule"
)

// dump renders a tree with each node's line:col, so tests can spell out
// shapes and positions on one line.
func dump(e rule.Expr) string {
	var b strings.Builder
	var walk func(rule.Expr)
	list := func(name string, pos rule.Pos, terms []rule.Expr) {
		fmt.Fprintf(&b, "%s@%d:%d(", name, pos.Line, pos.Col)
		for i, t := range terms {
			if i > 0 {
				b.WriteString(", ")
			}
			walk(t)
		}
		b.WriteString(")")
	}
	walk = func(e rule.Expr) {
		switch e := e.(type) {
		case *rule.And:
			list("and", e.Pos, e.Terms)
		case *rule.Or:
			list("or", e.Pos, e.Terms)
		case *rule.Not:
			list("not", e.Pos, []rule.Expr{e.X})
		case *rule.SearchRef:
			fmt.Fprintf(&b, "%s@%d:%d", e.Name, e.Pos.Line, e.Pos.Col)
		case *rule.Quantified:
			q := "1"
			if e.All {
				q = "all"
			}
			fmt.Fprintf(&b, "%s_of(%s)@%d:%d", q, e.Pattern, e.Pos.Line, e.Pos.Col)
		default:
			fmt.Fprintf(&b, "%T", e)
		}
	}
	walk(e)
	return b.String()
}

var base = rule.Pos{File: "r.yml", Line: 10, Col: 16}

func TestParse(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"selection", "selection@10:16"},
		{"  selection  ", "selection@10:18"},
		{"selection-img and not filter_main_1", "and@10:16(selection-img@10:16, not@10:34(filter_main_1@10:38))"},
		{"a or b and c", "or@10:16(a@10:16, and@10:21(b@10:21, c@10:27))"},
		{"a and b or c", "or@10:16(and@10:16(a@10:16, b@10:22), c@10:27)"},
		{"not a and b", "and@10:16(not@10:16(a@10:20), b@10:26)"},
		{"not (a and b)", "not@10:16(and@10:21(a@10:21, b@10:27))"},
		{"(a or b) and c", "and@10:16(or@10:17(a@10:17, b@10:22), c@10:29)"},
		{"a and b and c and d", "and@10:16(a@10:16, b@10:22, c@10:28, d@10:34)"},
		{"((a))", "a@10:18"},
		{"not not a", "not@10:16(not@10:20(a@10:24))"},
		{"1 of selection*", "1_of(selection*)@10:16"},
		{"all of them", "all_of(them)@10:16"},
		{"ALL OF THEM", "all_of(them)@10:16"},
		{"1 of them", "1_of(them)@10:16"},
		{"1 of selection", "1_of(selection)@10:16"},
		{"all   of\tsel_*_x", "all_of(sel_*_x)@10:16"},
		{"sel AND NOT 1 Of filter_*", "and@10:16(sel@10:16, not@10:24(1_of(filter_*)@10:28))"},
		{"Not sel Or x", "or@10:16(not@10:16(sel@10:20), x@10:27)"},
		{"sel.a and a.b-c_1", "and@10:16(sel.a@10:16, a.b-c_1@10:26)"},
		{"sélection", "sélection@10:16"},
		{"a\nand b", "and@10:16(a@10:16, b@11:20)"},
		{"a and\n  not b", "and@10:16(a@10:16, not@11:18(b@11:22))"},
		{"all", "all@10:16"},
		{"selection and all of filter*", "and@10:16(selection@10:16, all_of(filter*)@10:30)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, agg, diags := Parse(tt.src, base)
			require.Empty(t, diags)
			assert.Nil(t, agg)
			assert.Equal(t, tt.want, dump(e))
			for _, d := range diags {
				assert.Equal(t, "r.yml", d.Pos.File)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"", "r.yml:10:16: error: empty condition"},
		{"  \n ", "r.yml:10:16: error: empty condition"},
		{"a and", "r.yml:10:21: error: unexpected end of condition: expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		{"a b", "r.yml:10:18: error: unexpected \"b\" after the end of the condition"},
		{"(a and b", "r.yml:10:16: error: unbalanced parentheses: '(' is never closed"},
		{"(a b)", "r.yml:10:19: error: unexpected \"b\": expected \"and\", \"or\" or ')' to close the '(' at 10:16"},
		{"a and b)", "r.yml:10:23: error: unbalanced parentheses: ')' has no matching '('"},
		{"()", "r.yml:10:17: error: unexpected \")\": expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		{"a and or b", "r.yml:10:22: error: unexpected \"or\": expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		{"sel*", "r.yml:10:16: error: wildcard \"sel*\" needs \"1 of\" or \"all of\" before it"},
		{"2 of them", "r.yml:10:16: error: \"2\" of is not Sigma: only \"1 of\" and \"all of\" are"},
		{"any of them", "r.yml:10:16: error: \"any\" of is not Sigma: only \"1 of\" and \"all of\" are"},
		{"1 of", "r.yml:10:20: error: unexpected end of condition after \"1 of\": expected \"them\", a search name or a pattern such as selection_*"},
		{"1 of (a)", "r.yml:10:21: error: unexpected \"(\" after \"1 of\": expected \"them\", a search name or a pattern such as selection_*"},
		{"them", "r.yml:10:16: error: unexpected \"them\": expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		{"a & b", "r.yml:10:18: error: unexpected character \"&\" after the end of the condition"},
		{"a\n  and $", "r.yml:11:22: error: unexpected character \"$\": expected a search name, \"not\", '(', \"1 of\" or \"all of\""},
		{"a | near b", "r.yml:10:20: error: the \"near\" aggregation is not supported: write a temporal correlation rule instead"},
		{"a | median(x) > 1", "r.yml:10:20: error: unexpected \"median\" after '|': expected an aggregation: count, sum, min, max or avg"},
		{"a |", "r.yml:10:19: error: unexpected end of condition after '|': expected an aggregation: count, sum, min, max or avg"},
		{"a | count > 1", "r.yml:10:26: error: unexpected \">\": expected '(' after \"count\""},
		{"a | count( > 1", "r.yml:10:27: error: unexpected \">\": expected a field name or ')'"},
		{"a | sum() > 1", "r.yml:10:20: error: sum needs a field: sum(field)"},
		{"a | count() by > 1", "r.yml:10:31: error: unexpected \">\": expected a field name after \"by\""},
		{"a | count() by x,", "r.yml:10:33: error: unexpected end of condition: expected a field name after \"by\""},
		{"a | count()", "r.yml:10:27: error: unexpected end of condition: expected a comparison (>, >=, <, <=, ==, !=) and a threshold"},
		{"a | count() >", "r.yml:10:29: error: unexpected end of condition: expected a number as the threshold"},
		{"a | count() > ten", "r.yml:10:30: error: unexpected \"ten\": expected a number as the threshold"},
		{"a | count() > Inf", "r.yml:10:30: error: unexpected \"Inf\": expected a number as the threshold"},
		{"a | count() ! 3", "r.yml:10:28: error: unexpected character \"!\": expected a comparison (>, >=, <, <=, ==, !=) and a threshold"},
		{"a | count() > 3 x", "r.yml:10:32: error: unexpected \"x\" after the end of the condition"},
		{"a | count(x*) > 3", "r.yml:10:26: error: unexpected \"x*\": expected a field name"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, agg, diags := Parse(tt.src, base)
			assert.Nil(t, e)
			assert.Nil(t, agg)
			require.Len(t, diags, 1)
			assert.Equal(t, tt.want, diags[0].String())
		})
	}
}

func TestParseAggregation(t *testing.T) {
	pos := rule.Pos{File: "r.yml", Line: 10, Col: 20}
	tests := []struct {
		src  string
		want rule.Aggregation
	}{
		{"a | count() > 5", rule.Aggregation{Func: rule.AggCount, Op: rule.CmpGt, Threshold: 5, Pos: pos}},
		{"a | COUNT(dst) by src >= 10", rule.Aggregation{Func: rule.AggDistinctCount, Field: "dst", GroupBy: []string{"src"}, Op: rule.CmpGte, Threshold: 10, Pos: pos}},
		{"a | sum(cs-bytes) by c-ip, cs-host > 5242880", rule.Aggregation{Func: rule.AggSum, Field: "cs-bytes", GroupBy: []string{"c-ip", "cs-host"}, Op: rule.CmpGt, Threshold: 5242880, Pos: pos}},
		{"a | avg(x) < 2.5", rule.Aggregation{Func: rule.AggAvg, Field: "x", Op: rule.CmpLt, Threshold: 2.5, Pos: pos}},
		{"a | min(x) <= -1", rule.Aggregation{Func: rule.AggMin, Field: "x", Op: rule.CmpLte, Threshold: -1, Pos: pos}},
		{"a | max(x) == 3", rule.Aggregation{Func: rule.AggMax, Field: "x", Op: rule.CmpEq, Threshold: 3, Pos: pos}},
		{"a | max(x) = 3", rule.Aggregation{Func: rule.AggMax, Field: "x", Op: rule.CmpEq, Threshold: 3, Pos: pos}},
		{"a | count() by x != 0", rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"x"}, Op: rule.CmpNeq, Threshold: 0, Pos: pos}},
		{"a |count()>.5", rule.Aggregation{Func: rule.AggCount, Op: rule.CmpGt, Threshold: 0.5, Pos: rule.Pos{File: "r.yml", Line: 10, Col: 19}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, agg, diags := Parse(tt.src, base)
			require.Empty(t, diags)
			assert.Equal(t, "a@10:16", dump(e))
			require.NotNil(t, agg)
			assert.Equal(t, tt.want, *agg)
		})
	}
}

func TestParseDepth(t *testing.T) {
	ok := strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth)
	e, _, diags := Parse(ok, base)
	require.Empty(t, diags)
	assert.Equal(t, "a@10:516", dump(e))

	for _, src := range []string{
		strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1),
		strings.Repeat("not ", MaxDepth+1) + "a",
		strings.Repeat("(not ", 100000) + "a",
	} {
		e, agg, diags := Parse(src, base)
		assert.Nil(t, e)
		assert.Nil(t, agg)
		require.Len(t, diags, 1)
		assert.Equal(t, CodeTooDeep, diags[0].Code)
		assert.Contains(t, diags[0].Summary, "deeper than 500 levels")
	}

	// Long flat chains are iterative, not nested.
	long := "a" + strings.Repeat(" and a", 100000)
	e, _, diags = Parse(long, base)
	require.Empty(t, diags)
	assert.Len(t, e.(*rule.And).Terms, 100001)
}

func TestFormat(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a", "a"},
		{"a and (b or c)", "a and (b or c)"},
		{"(a and b) or c", "(a and b) or c"},
		{"a or b and c", "a or (b and c)"},
		{"sel and not (f1 and f2)", "sel and not (f1 and f2)"},
		{"(a and b) and c", "(a and b) and c"},
		{"not (a or b)", "not (a or b)"},
		{"not not a", "not not a"},
		{"NOT 1 OF sel* AND ALL OF Them", "not 1 of sel* and all of them"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, _, diags := Parse(tt.src, base)
			require.Empty(t, diags)
			assert.Equal(t, tt.want, e.String())
		})
	}
}
