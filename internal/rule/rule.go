// Package rule is detc's one rule model. Both front ends (Sigma YAML and HCL)
// produce it; the linter, the evaluator, every backend and the runbook writer
// consume it. Nothing downstream of this package knows which format a rule
// was written in.
package rule

import (
	"fmt"
	"time"
)

// Rule is one detection.
type Rule struct {
	ID string
	// Name is the rule's short name: the HCL block label or Sigma's name.
	Name           string
	Title          string
	Description    string
	Status         string // experimental, test, stable, deprecated, unsupported
	Level          string // informational, low, medium, high, critical
	Author         string
	Date           string // YYYY-MM-DD as written
	Modified       string
	References     []string
	Tags           []string
	FalsePositives []string
	// Fields lists the event fields an analyst should see with an alert.
	Fields    []string
	Attack    Attack
	LogSource LogSource

	// Searches are the named searches in source order.
	Searches  []*Search
	Condition Expr
	// Aggregation, when set, turns the rule into a threshold over the
	// events that match Condition.
	Aggregation *Aggregation
	// Correlation, on a rule built from other rules' matches (a Sigma
	// correlation rule), names those rules. A front end's resolve step
	// copies their searches and conditions into this rule; a rule that
	// reaches lint or a backend has them.
	Correlation *Correlation

	Runbook *Runbook
	// Response is what the detection automates when it alerts; nil:
	// nothing (every containment step stays manual).
	Response *Response
	// Tests name the fixture files that prove the rule and what must alert.
	Tests []*FixtureTest

	// File is the path the rule was loaded from, as given to the loader.
	File string
	Pos  Pos
	// MetaPos holds where each metadata value (level, status, date, ...)
	// is written, by its key, so that a problem with one points at it.
	MetaPos map[string]Pos
}

// PosOf is where the metadata value key is written, or the rule's
// position when that is not known.
func (r *Rule) PosOf(key string) Pos {
	if p, ok := r.MetaPos[key]; ok {
		return p
	}
	return r.Pos
}

// PivotTag marks a rule as an investigation pivot: compiled for runbooks,
// never deployed as a detection, and exempt from fixture coverage.
const PivotTag = "detc.pivot"

// IsPivot reports whether the rule is an investigation pivot.
func (r *Rule) IsPivot() bool {
	for _, t := range r.Tags {
		if t == PivotTag {
			return true
		}
	}
	return false
}

// IDOrName is how reports name the rule: its id, or its name when it has
// no id.
func (r *Rule) IDOrName() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Name
}

// Label identifies the rule in messages: its id, else its quoted title.
func (r *Rule) Label() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Title != "":
		return fmt.Sprintf("%q", r.Title)
	}
	return "(no id)"
}

// Search returns the named search, or nil.
func (r *Rule) Search(name string) *Search {
	for _, s := range r.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Attack is the rule's MITRE ATT&CK mapping.
type Attack struct {
	Tactics    []string // TA0010 ...
	Techniques []string // T1567, T1567.004 ...
	Pos        Pos
}

// LogSource says which events a rule applies to, in Sigma's terms.
type LogSource struct {
	Category string
	Product  string
	Service  string
	Pos      Pos
}

// Search is a named search: an OR of groups, each group an AND of matchers.
// A Sigma map is one group; a list of maps is several; a keyword list is one
// group per keyword list, whose matchers have an empty Field.
type Search struct {
	Name   string
	Groups []*Group
	Pos    Pos
}

// Group is an AND of matchers.
type Group struct {
	Matchers []*Matcher
	Pos      Pos
}

// Op is the comparison a matcher makes.
type Op int

// Comparisons. OpEquals is the default (a plain value, with wildcards).
const (
	OpEquals Op = iota
	OpContains
	OpStartsWith
	OpEndsWith
	OpRegex
	OpCIDR
	OpGt
	OpGte
	OpLt
	OpLte
	OpExists
)

var opNames = [...]string{"equals", "contains", "startswith", "endswith", "re", "cidr", "gt", "gte", "lt", "lte", "exists"}

func (o Op) String() string { return opNames[o] }

// Matcher compares one field (or, with an empty Field, the whole event: a
// keyword) with a list of values. The values are ORed; Sigma's "all"
// modifier is normalised away by splitting into one matcher per value.
type Matcher struct {
	Field string
	// Modifiers as written in the source, for messages.
	Modifiers []string
	Op        Op
	// Cased makes string comparison case-sensitive.
	Cased bool
	// Negate (Sigma's neq) makes each value's comparison false where it
	// would be true and true where it would be false, absent fields included.
	Negate bool
	// FieldRef: each value names another field of the same event whose
	// value is compared.
	FieldRef bool
	Regex    RegexFlags
	Values   []Value
	Pos      Pos
}

// IsKeyword reports whether the matcher searches the whole event.
func (m *Matcher) IsKeyword() bool { return m.Field == "" }

// FieldLabel names the matcher's field in messages: "keywords" for a
// keyword search.
func (m *Matcher) FieldLabel() string { return displayField(m.Field) }

// ValuePos is where a value of the matcher is written, or the matcher's
// position when the value has none.
func (m *Matcher) ValuePos(v Value) Pos {
	if v.Pos.IsValid() {
		return v.Pos
	}
	return m.Pos
}

// RegexFlags are the re modifier's sub-flags.
type RegexFlags struct {
	IgnoreCase bool // i
	Multiline  bool // m
	DotAll     bool // s
}

// Prefix is the flags as RE2 inline flags ("(?im)"), to put in front of
// the expression; "" without flags.
func (f RegexFlags) Prefix() string {
	flags := ""
	if f.IgnoreCase {
		flags += "i"
	}
	if f.Multiline {
		flags += "m"
	}
	if f.DotAll {
		flags += "s"
	}
	if flags == "" {
		return ""
	}
	return "(?" + flags + ")"
}

// ValueKind says what a Value holds.
type ValueKind int

// Value kinds.
const (
	KindString      ValueKind = iota // Pattern holds the (wildcard) string
	KindNumber                       // Number and Text hold it
	KindBool                         // Text is "true" or "false"
	KindNull                         // the field is absent or empty
	KindRegex                        // Text is the regular expression (RE2 syntax)
	KindCIDR                         // Text is the network, e.g. 10.0.0.0/8
	KindFieldRef                     // Text names the other field
	KindPlaceholder                  // Text names an unresolved %placeholder%
)

var kindNames = [...]string{"string", "number", "bool", "null", "regex", "cidr", "fieldref", "placeholder"}

func (k ValueKind) String() string { return kindNames[k] }

// Value is one value of a matcher.
type Value struct {
	Kind    ValueKind
	Pattern Pattern
	Text    string
	Number  float64
	Pos     Pos
}

// Correlation names the rules a correlation rule is built from.
type Correlation struct {
	// Rules refer to other rules by name or id, as written.
	Rules []RuleRef
	// Generate keeps the referenced rules as detections of their own;
	// otherwise (Sigma's default) they exist only inside the correlation.
	Generate bool
	Pos      Pos
}

// RuleRef is a reference to another rule by its name or id.
type RuleRef struct {
	Name string
	Pos  Pos
}

// Aggregation is a threshold over the events that match a rule's condition,
// per group, in a time window. Sigma correlation rules map onto it.
type Aggregation struct {
	Func AggFunc
	// Field is what DistinctCount, Sum, Avg, Min and Max work on.
	Field   string
	GroupBy []string
	Window  time.Duration
	Op      CmpOp
	// Threshold is compared with the aggregate value.
	Threshold float64
	// Parts are the sub-conditions of a temporal correlation: every part
	// must match at least once in the window for the group.
	Parts []Expr
	Pos   Pos
}

// AggFunc is an aggregate function.
type AggFunc int

// Aggregate functions.
const (
	AggCount AggFunc = iota
	AggDistinctCount
	AggSum
	AggAvg
	AggMin
	AggMax
	AggTemporal
)

var aggNames = [...]string{"count", "distinct_count", "sum", "avg", "min", "max", "temporal"}

func (f AggFunc) String() string { return aggNames[f] }

// CmpOp compares an aggregate with a threshold.
type CmpOp int

// Comparison operators.
const (
	CmpGt CmpOp = iota
	CmpGte
	CmpLt
	CmpLte
	CmpEq
	CmpNeq
)

var cmpSymbols = [...]string{">", ">=", "<", "<=", "==", "!="}

// Symbol is the operator as most query languages write it.
func (c CmpOp) Symbol() string { return cmpSymbols[c] }

// Holds reports whether "v op threshold" is true.
func (c CmpOp) Holds(v, threshold float64) bool {
	switch c {
	case CmpGt:
		return v > threshold
	case CmpGte:
		return v >= threshold
	case CmpLt:
		return v < threshold
	case CmpLte:
		return v <= threshold
	case CmpEq:
		return v == threshold
	default:
		return v != threshold
	}
}

// Runbook is the analyst text that goes with a detection, in the sections
// of the T1567.004 triage card. Each section is a list of paragraphs or
// steps; an empty section inherits the shared card's text.
type Runbook struct {
	Summary       string
	LogSources    []string
	KeyIndicators []string
	Questions     []string
	Escalation    []string
	L1Steps       []string
	T2Actions     []string
	Containment   []string
	// Replace names the sections (log_sources, key_indicators, questions,
	// escalation, l1_steps, t2_actions, containment) whose text here replaces
	// the shared card's; other sections add to it.
	Replace []string
	Pos     Pos
}

// FixtureTest names a fixture file and what must alert on it.
type FixtureTest struct {
	// Name labels the test in reports (the HCL block label; for a sidecar,
	// its name key or file name).
	Name string
	// File is the fixture path as written, relative to the directory of
	// the file that names it (Pos.File).
	File string
	// Format is the fixture's log format (jsonl, zeek-http, zeek-dns,
	// squid, sysmon-json); empty means detect it from the file.
	Format string
	// Match lists the ids of the events that must match (non-aggregating
	// rules); every other event in the file must not.
	Match []string
	// Alerts are the expected alerts of an aggregating rule.
	Alerts []ExpectedAlert
	Pos    Pos
}

// ExpectedAlert is one alert an aggregating rule must raise.
type ExpectedAlert struct {
	Group  map[string]string
	Value  float64
	Window string // RFC 3339 start of the window, as written
	Pos    Pos
}
