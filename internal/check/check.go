// Package check is the phase between loading and every consumer of a rule.
// It runs the semantic checks that make a rule meaningful (the condition
// names searches that exist, a quantifier covers at least one search, no
// group is empty, every value can be used with its comparison, the
// aggregation is complete) once, and hands out a checked Rule: the
// condition with quantifiers expanded and every search reference bound.
//
// Every command (lint, test, hunt, compile, build, runbook, diff) runs it;
// the evaluator and the backends take a checked Rule and trust it, so a
// user's mistake is reported once, as a rule error at its position, and
// never as a limit of a target. Checks of metadata (ids, levels, ATT&CK)
// and of values that compile but look wrong stay in internal/lint.
package check

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/detc/detc/internal/rule"
)

// Diagnostic codes of the check phase.
const (
	CodeUnknownSearch   = "unknown-search"
	CodeUnusedSearch    = "unused-search"
	CodeEmptyQuantifier = "quantifier-matches-nothing"
	CodeDuplicateSearch = "duplicate-search"
	CodeEmptySearch     = "empty-search"
	CodeEmptyGroup      = "empty-group"
	CodeNoCondition     = "no-condition"
	CodeBadCondition    = "bad-condition"
	CodeBadAggregation  = "bad-aggregation"
	CodeBadRegex        = "bad-regex"
	CodeBadValue        = "bad-value"
)

// MaxTemporalParts bounds a temporal aggregation: the evaluator keeps one
// bit per part.
const MaxTemporalParts = 64

// Rule is a rule that passed the check phase. Its Condition and Parts use
// only And, Or, Not and SearchRef, and every SearchRef names a search of
// the rule (Search returns it).
type Rule struct {
	*rule.Rule
	// Condition is the rule's condition with quantifiers expanded; nil for
	// a temporal correlation, whose events are those of any part.
	Condition rule.Expr
	// Parts are the aggregation's parts (temporal correlations), expanded.
	Parts    []rule.Expr
	searches map[string]*rule.Search
}

// Search returns the search a reference of the checked condition names.
func (c *Rule) Search(ref *rule.SearchRef) *rule.Search { return c.searches[ref.Name] }

// Run checks a rule. The checked rule is nil when there is an error;
// warnings (an unused search) come back beside it.
func Run(r *rule.Rule) (*Rule, rule.Diagnostics) {
	var diags rule.Diagnostics
	c := &Rule{Rule: r, searches: make(map[string]*rule.Search, len(r.Searches))}
	for _, s := range r.Searches {
		if _, dup := c.searches[s.Name]; dup {
			diags.Errorf(s.Pos, CodeDuplicateSearch, "search %q is defined twice", s.Name)
			continue
		}
		c.searches[s.Name] = s
		diags = append(diags, checkSearch(s)...)
	}
	diags = append(diags, c.conditions()...)
	if r.Aggregation != nil {
		diags = append(diags, aggregation(r.Aggregation)...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return c, diags
}

// conditions checks the condition and the aggregation's parts against the
// searches, expands them, and reports the searches nothing uses.
func (c *Rule) conditions() rule.Diagnostics {
	var diags rule.Diagnostics
	r := c.Rule
	used := map[string]bool{}
	expand := func(e rule.Expr) rule.Expr {
		rule.Walk(e, func(e rule.Expr) {
			switch e := e.(type) {
			case *rule.And:
				if len(e.Terms) == 0 {
					diags.Errorf(e.Pos, CodeBadCondition, "an \"and\" of nothing in the condition of rule %s", r.Label())
				}
			case *rule.Or:
				if len(e.Terms) == 0 {
					diags.Errorf(e.Pos, CodeBadCondition, "an \"or\" of nothing in the condition of rule %s", r.Label())
				}
			case *rule.SearchRef:
				if c.searches[e.Name] == nil {
					diags = append(diags, rule.Diagnostic{Severity: rule.Error, Pos: e.Pos, End: after(e.Pos, e.Name), Code: CodeUnknownSearch,
						Summary: fmt.Sprintf("condition names search %q, which rule %s does not define%s", e.Name, r.Label(), known(r)),
						Detail:  rule.DidYouMean(e.Name, searchNames(r))})
				}
				used[e.Name] = true
			case *rule.Quantified:
				names := e.Names(r.Searches)
				if len(names) == 0 {
					diags.Errorf(e.Pos, CodeEmptyQuantifier, "%q matches no search of rule %s%s", e.String(), r.Label(), known(r))
				}
				for _, n := range names {
					used[n] = true
				}
			}
		})
		return rule.Expand(e, r.Searches)
	}
	if r.Aggregation != nil {
		for _, p := range r.Aggregation.Parts {
			c.Parts = append(c.Parts, expand(p))
		}
	}
	switch {
	case r.Condition != nil:
		c.Condition = expand(r.Condition)
	case r.Aggregation != nil && r.Aggregation.Func == rule.AggTemporal:
		// A temporal correlation's events are those of any part.
	case r.Correlation != nil:
		diags.Errorf(r.Pos, CodeNoCondition, "correlation rule %s is not resolved: the rules it names were not loaded with it", r.Label())
		return diags
	default:
		diags.Errorf(r.Pos, CodeNoCondition, "rule %s has no condition", r.Label())
		return diags // every search would look unused
	}
	for _, s := range r.Searches {
		if !used[s.Name] {
			diags.Warnf(s.Pos, CodeUnusedSearch, "search %q is not used by the condition of rule %s", s.Name, r.Label())
		}
	}
	return diags
}

// checkSearch checks a search's shape and each of its values.
func checkSearch(s *rule.Search) rule.Diagnostics {
	var diags rule.Diagnostics
	if len(s.Groups) == 0 {
		// An OR of nothing would match no event; that is never meant.
		diags.Errorf(s.Pos, CodeEmptySearch, "search %q has no field or keyword to match", s.Name)
	}
	for _, g := range s.Groups {
		if len(g.Matchers) == 0 {
			// An AND of nothing would match every event; that is never meant
			// either, and targets disagree on how to write it.
			pos := g.Pos
			if !pos.IsValid() {
				pos = s.Pos
			}
			diags.Errorf(pos, CodeEmptyGroup, "search %q has an empty group: it would match every event", s.Name)
		}
		for _, m := range g.Matchers {
			for _, v := range m.Values {
				diags = append(diags, value(m, v)...)
			}
		}
	}
	return diags
}

// value checks that a value can be used with its matcher's comparison: the
// evaluator and every backend rely on it.
func value(m *rule.Matcher, v rule.Value) rule.Diagnostics {
	var diags rule.Diagnostics
	pos, field := m.ValuePos(v), m.FieldLabel()
	bad := func(format string, args ...any) {
		diags.Errorf(pos, CodeBadValue, "field %q: %s", field, fmt.Sprintf(format, args...))
	}
	switch {
	case v.Kind == rule.KindPlaceholder:
		bad("unresolved placeholder %%%s%%: define the list it names", v.Text)
	case m.Op == rule.OpExists:
		if v.Kind != rule.KindBool {
			bad("exists takes true or false")
		}
	case v.Kind == rule.KindNull:
		if m.Op != rule.OpEquals {
			bad("null can only be compared for equality")
		}
	case v.Kind == rule.KindFieldRef:
		if m.Op > rule.OpEndsWith {
			bad("fieldref cannot be combined with %s", m.Op)
		}
	case m.Op == rule.OpRegex:
		if _, err := regexp.Compile(m.Regex.Prefix() + v.Text); err != nil {
			diags.Errorf(pos, CodeBadRegex, "field %q: %s", field, rule.RegexError(v.Text, err))
		}
	case m.Op == rule.OpCIDR:
		if _, err := netip.ParsePrefix(v.Text); err != nil {
			bad("cidr needs a network such as 10.0.0.0/8: %v", err)
		}
	case m.Op >= rule.OpGt && m.Op <= rule.OpLte:
		if v.Kind != rule.KindNumber {
			bad("%s needs a number, not %q", m.Op, v.Text)
		}
	case v.Kind == rule.KindString || v.Kind == rule.KindNumber || v.Kind == rule.KindBool:
	default:
		bad("a %s value cannot be used with %s", v.Kind, m.Op)
	}
	return diags
}

func aggregation(a *rule.Aggregation) rule.Diagnostics {
	var diags rule.Diagnostics
	if a.Window <= 0 {
		diags.Errorf(a.Pos, CodeBadAggregation, "aggregation window must be positive, not %s", a.Window)
	}
	switch a.Func {
	case rule.AggTemporal:
		if len(a.Parts) == 0 {
			diags.Errorf(a.Pos, CodeBadAggregation, "temporal aggregation has no parts")
		}
		if len(a.Parts) > MaxTemporalParts {
			diags.Errorf(a.Pos, CodeBadAggregation, "temporal aggregation has %d parts; at most %d are supported", len(a.Parts), MaxTemporalParts)
		}
	case rule.AggDistinctCount, rule.AggSum, rule.AggAvg, rule.AggMin, rule.AggMax:
		if a.Field == "" {
			diags.Errorf(a.Pos, CodeBadAggregation, "aggregation %s needs a field", a.Func)
		}
	}
	return diags
}

func known(r *rule.Rule) string {
	if len(r.Searches) == 0 {
		return " (it has no searches)"
	}
	return " (searches: " + strings.Join(searchNames(r), ", ") + ")"
}

func searchNames(r *rule.Rule) []string {
	names := make([]string, len(r.Searches))
	for i, s := range r.Searches {
		names[i] = s.Name
	}
	return names
}

// after is the end of name written at pos on one line; zero without a
// position.
func after(pos rule.Pos, name string) rule.Pos {
	if !pos.IsValid() {
		return rule.Pos{}
	}
	return rule.Pos{File: pos.File, Line: pos.Line, Col: pos.Col + utf8.RuneCountInString(name)}
}

// All checks every rule: the checked rules, in the order given, leave out
// those with errors; the diagnostics are every rule's.
func All(rules []*rule.Rule) ([]*Rule, rule.Diagnostics) {
	var out []*Rule
	var diags rule.Diagnostics
	for _, r := range rules {
		c, d := Run(r)
		diags = append(diags, d...)
		if c != nil {
			out = append(out, c)
		}
	}
	return out, diags
}
