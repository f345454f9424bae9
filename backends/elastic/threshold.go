package elastic

import (
	"fmt"
	"math"

	"github.com/detc/detc/internal/rule"
)

// maxThresholdFields is how many group-by fields a Kibana threshold rule
// takes.
const maxThresholdFields = 3

// threshold is a Kibana threshold rule's threshold object, with Sigma
// field names (the packager maps them).
type threshold struct {
	Fields []string
	// Value is the minimum event count per group.
	Value int64
	// Cardinality, when set, is a minimum count of distinct values.
	CardinalityField string
	CardinalityValue int64
}

// thresholdOf says whether an aggregation is a Kibana threshold: a count
// (or a distinct count, via cardinality) compared with > or >=, grouped by
// at most three fields. Kibana's threshold holds when the count is at
// least the value, so "> n" becomes ">= floor(n)+1".
func thresholdOf(a *rule.Aggregation) *threshold {
	if a.Func != rule.AggCount && a.Func != rule.AggDistinctCount || len(a.GroupBy) > maxThresholdFields || len(a.Parts) > 0 {
		return nil
	}
	var min int64
	switch a.Op {
	case rule.CmpGt:
		min = int64(math.Floor(a.Threshold)) + 1
	case rule.CmpGte:
		min = int64(math.Ceil(a.Threshold))
	default:
		return nil
	}
	// A group exists only with one event in it.
	min = max(min, 1)
	t := &threshold{Fields: a.GroupBy, Value: min}
	if a.Func == rule.AggDistinctCount {
		t.Value = 1
		t.CardinalityField, t.CardinalityValue = a.Field, min
	}
	return t
}

// checkThreshold refuses an aggregation that a Lucene query cannot carry:
// the Kibana rule around it has to be a threshold rule.
func (c *compiler) checkThreshold(a *rule.Aggregation) error {
	t := thresholdOf(a)
	if t == nil {
		return c.refuse(a.Pos, fmt.Sprintf("aggregation %s %s %s", a.Func, a.Op.Symbol(), number(a.Threshold)),
			"a Lucene query is a filter and Kibana's threshold rule only counts (or counts distinct values) with >= and at most %d group-by fields; compile it with --lang esql", maxThresholdFields)
	}
	for _, f := range append(append([]string{}, t.Fields...), t.CardinalityField) {
		if f == "" {
			continue
		}
		if _, err := c.singleField(f, a.Pos); err != nil {
			return err
		}
	}
	return nil
}

// singleField maps an aggregation field, which must be one target field.
func (c *compiler) singleField(name string, pos rule.Pos) (field, error) {
	fs, err := c.fields(name, pos)
	if err != nil {
		return field{}, err
	}
	if len(fs) != 1 {
		return field{}, c.refuse(pos, fmt.Sprintf("aggregation field %q", name), "it maps to %d fields; an aggregation groups by one", len(fs))
	}
	return fs[0], nil
}
