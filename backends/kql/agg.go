package kql

import (
	"fmt"
	"strings"
	"time"

	"github.com/detc/detc/internal/rule"
)

// aggregation writes a rule's threshold as summarize over tumbling windows
// aligned to the Unix epoch, per group-by key, then a where on the
// aggregate. The matching events come first, from the rule's condition
// (or, for a temporal correlation, from any of its parts).
func (c *compiler) aggregation(a *rule.Aggregation) ([]string, error) {
	if a.Window <= 0 || a.Window%time.Second != 0 {
		return nil, c.refuse(a.Pos, "the aggregation window "+a.Window.String(), "a window must be a positive whole number of seconds")
	}
	keys := &derived{}
	by := []string{c.bin(a.Window)}
	for _, g := range a.GroupBy {
		col, err := c.single(g, a.Pos, "group-by", keys)
		if err != nil {
			return nil, err
		}
		by = append(by, col.ident())
	}
	byText := strings.Join(by, ", ")
	if a.Func == rule.AggTemporal {
		return c.temporal(a, byText, keys)
	}
	if c.r.Condition == nil {
		return nil, c.refuse(a.Pos, "the aggregation", "the rule has no condition to choose its events")
	}
	lines, err := c.where(c.r.Condition)
	if err != nil {
		return nil, err
	}
	threshold, err := Number(a.Threshold)
	if err != nil {
		return nil, c.refuse(a.Pos, "the aggregation threshold", "%v", err)
	}
	having := fmt.Sprintf("AggValue %s %s", a.Op.Symbol(), threshold)
	var agg string
	switch a.Func {
	case rule.AggCount:
		agg = "AggValue = count()"
	case rule.AggDistinctCount:
		col, err := c.single(a.Field, a.Pos, "distinct count", keys)
		if err != nil {
			return nil, err
		}
		// count_distinct is exact; dcount is an estimate.
		agg = fmt.Sprintf("AggValue = count_distinct(%s)", col.ident())
	case rule.AggSum, rule.AggAvg, rule.AggMin, rule.AggMax:
		col, err := c.single(a.Field, a.Pos, a.Func.String(), keys)
		if err != nil {
			return nil, err
		}
		n, err := c.number(col, &rule.Matcher{Field: a.Field, Pos: a.Pos})
		if err != nil {
			return nil, err
		}
		// A group with no numeric value has no aggregate in the rule
		// model, so it must not alert, whatever sum() of nothing gives.
		agg = fmt.Sprintf("AggValue = %s(%s), NumericValues = countif(isnotnull(%s))", a.Func, n, n)
		having = "NumericValues > 0 and " + having
	default:
		return nil, c.refuse(a.Pos, "aggregation "+a.Func.String(), "KQL has no equivalent")
	}
	return append(append(lines, keys.lines()...),
		fmt.Sprintf("| summarize %s by %s", agg, byText),
		"| where "+having,
	), nil
}

// temporal writes a temporal correlation: each part is a flag, events with
// any flag are kept, and a window and group alerts when every part was
// seen in it.
func (c *compiler) temporal(a *rule.Aggregation, by string, keys *derived) ([]string, error) {
	var flags, any, counts, all []string
	for i, part := range c.r.Parts {
		x, err := c.condition(part, false)
		if err != nil {
			return nil, err
		}
		flag := fmt.Sprintf("Part%d", i+1)
		flags = append(flags, fmt.Sprintf("%s = %s", flag, paren(x, precAtom)))
		any = append(any, flag)
		counts = append(counts, fmt.Sprintf("%sCount = countif(%s)", flag, flag))
		all = append(all, flag+"Count > 0")
	}
	lines := []string{
		"| extend " + strings.Join(flags, ", "),
		"| where " + strings.Join(any, " or "),
	}
	return append(append(lines, keys.lines()...),
		fmt.Sprintf("| summarize %s by %s", strings.Join(counts, ", "), by),
		"| where "+strings.Join(all, " and "),
	), nil
}

// bin is the window expression. bin() rounds down to a multiple of the
// window counted from 0001-01-01, which agrees with the Unix epoch for
// windows that divide a day; other windows are aligned explicitly.
func (c *compiler) bin(w time.Duration) string {
	t := Ident(c.timeColumn())
	if (24*time.Hour)%w == 0 {
		return fmt.Sprintf("bin(%s, %s)", t, Timespan(w))
	}
	return fmt.Sprintf("%s = bin_at(%s, %s, datetime(1970-01-01))", t, t, Timespan(w))
}

// single maps a field that must be one value per event (a group-by key or
// an aggregated field). A field mapped to one column is that column. A
// field mapped to several (ASIM's cs-host: HttpHost and DstFQDN) is, in the
// rule model, still one value, and a comparison holds when any column
// holds it; as a key it becomes a column derived after the where clauses,
// named as the Sigma field, holding the first non-empty of its columns in
// the profile's order (so a profile lists them by preference).
func (c *compiler) single(field string, pos rule.Pos, what string, keys *derived) (column, error) {
	if field == "" {
		return column{}, c.refuse(pos, "the "+what, "it names no field")
	}
	cols, err := c.columns(field, pos)
	if err != nil {
		return column{}, err
	}
	if len(cols) == 1 {
		return cols[0], nil
	}
	args := make([]string, len(cols))
	for i, col := range cols {
		args[i] = col.ident()
	}
	col := column{name: field, typ: cols[0].typ}
	keys.add(col.ident() + " = coalesce(" + strings.Join(args, ", ") + ")")
	return col, nil
}

// derived collects the extend definitions of the derived key columns, once
// each, in the order the aggregation first names them.
type derived struct {
	defs []string
	seen map[string]bool
}

func (d *derived) add(def string) {
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if !d.seen[def] {
		d.seen[def] = true
		d.defs = append(d.defs, def)
	}
}

func (d *derived) lines() []string {
	if len(d.defs) == 0 {
		return nil
	}
	return []string{"| extend " + strings.Join(d.defs, ", ")}
}
