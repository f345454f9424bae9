// Package target is the contract between detc and its backends: what a
// backend is given, what it returns, and how it refuses a rule it cannot
// express without changing its meaning.
package target

import (
	"fmt"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/rule"
)

// Options choose how a rule is compiled.
type Options struct {
	// Profile names the field-mapping profile; "" means the backend's default.
	Profile string
	// Overrides, when set, is merged over the profile (user mappings).
	Overrides *mapping.Profile
	// Lang picks a query language where a target has several (elastic:
	// lucene, eql, esql); "" means the backend's default.
	Lang string
	// Variant selects a backend-specific form, e.g. splunk "tstats".
	Variant string
}

// Query is one rule compiled for one target.
type Query struct {
	Rule    *rule.Rule
	Target  string
	Profile string
	Lang    string
	// Text is the query, ready to paste into the SIEM.
	Text string
	// Source is what the query reads, for deployment files: an index
	// pattern, a table or a data model, as the profile names it.
	Source *mapping.Source
}

// Error is a refusal: the rule holds a construct the target cannot express
// with the same meaning. It names the rule, the construct and the target.
type Error struct {
	RuleID    string
	Target    string
	Profile   string
	Construct string // what could not be expressed, e.g. `cased on field "c-uri"`
	Reason    string // why
	Pos       rule.Pos
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: rule %s: %s/%s cannot express %s: %s", e.Pos, e.RuleID, e.Target, e.Profile, e.Construct, e.Reason)
}

// Refuse builds an Error for rule r at pos.
func Refuse(r *rule.Rule, target, profile string, pos rule.Pos, construct, reason string, args ...any) *Error {
	return &Error{RuleID: r.ID, Target: target, Profile: profile, Pos: pos, Construct: construct, Reason: fmt.Sprintf(reason, args...)}
}

// Artifact is one deployment file, with a path relative to the target's
// output folder (slash-separated).
type Artifact struct {
	Path string
	Data []byte
}

// Deployable is a compiled rule with what its deployment file carries.
type Deployable struct {
	Query *Query
	// Runbook is the short note for the analyst the deployment file
	// carries (Markdown: summary, first triage steps, the link to the whole
	// runbook; runbook.Brief), "" when there is none.
	Runbook string
	// Version is a content hash of the compiled output, so a rule's version
	// changes only when its meaning does.
	Version string
}

// Backend is one target SIEM language.
type Backend interface {
	// Name is the --target value: splunk, kql or elastic.
	Name() string
	// Profiles lists the built-in profile names; the first is the default.
	Profiles() []string
	// Langs lists the query languages; the first is the default.
	Langs() []string
	// Compile turns one rule into a query or returns an *Error.
	Compile(r *rule.Rule, opts Options) (*Query, error)
	// Package writes the deployment files for compiled rules.
	Package(ds []Deployable, opts Options) ([]Artifact, error)
}
