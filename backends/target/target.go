// Package target is the contract between detc and its backends: what a
// backend is given, what it returns, and how it refuses a rule it cannot
// express without changing its meaning.
package target

import (
	"fmt"
	"github.com/detc/detc/internal/suggest"
	"slices"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/internal/check"
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
	// App names the package a target's deployment files form, where the
	// target has one (the Splunk app); zero values mean the defaults.
	App App
}

// App is the identity of a deployment package: a Splunk app's id (its
// folder), label, author and version. An empty Version means one derived
// from the package's content, so that every change is an upgrade.
type App struct {
	Name, Label, Author, Version string
}

// Query is one rule compiled for one target.
type Query struct {
	Rule    *check.Rule
	Target  string
	Profile string
	Lang    string
	// Text is the query, ready to paste into the SIEM.
	Text string
	// Source is what the query reads, for deployment files: an index
	// pattern, a table or a data model, as the profile names it.
	Source *mapping.Source
}

// Diagnostic codes of refusals: a rule a deployment refuses; a rule every
// deployment meant for it refuses (deployed nowhere), for what the SIEMs
// lack; and one deployed nowhere because a target refuses a field that
// looks misspelt (no taxonomy or profile knows it, a known field is a
// near miss): a mistake in the rule, not a limit of the SIEMs.
const (
	CodeRefused                = "refused"
	CodeUndeployed             = "undeployed"
	CodeUndeployedUnknownField = "undeployed-unknown-field"
)

// Refusal is the error of a backend that cannot express a construct of
// a (checked) rule with the same meaning. It names the rule, the construct
// and the target. (build.RefusalRecord is its line in refusals.json.)
type Refusal struct {
	RuleID    string
	Target    string
	Profile   string
	Construct string // what could not be expressed, e.g. `cased on field "c-uri"`
	Reason    string // why
	Pos       rule.Pos
}

func (e *Refusal) Error() string {
	return fmt.Sprintf("%s: rule %s: %s/%s cannot express %s: %s", e.Pos, e.RuleID, e.Target, e.Profile, e.Construct, e.Reason)
}

// Refuse builds a Refusal for rule r at pos.
func Refuse(r *rule.Rule, target, profile string, pos rule.Pos, construct, reason string, args ...any) *Refusal {
	return &Refusal{RuleID: r.ID, Target: target, Profile: profile, Pos: pos, Construct: construct, Reason: fmt.Sprintf(reason, args...)}
}

// CheckOptions reports a profile, language or variant the backend does
// not have: a usage mistake, which the CLI reports before compiling.
func CheckOptions(b Backend, opts Options) error {
	check := func(what, value string, known []string) error {
		if value == "" || slices.Contains(known, value) {
			return nil
		}
		if len(known) == 0 {
			return fmt.Errorf("target %s has no %s %q (it has none)", b.Name(), what, value)
		}
		return fmt.Errorf("target %s has no %s %q%s (%ss: %s)", b.Name(), what, value, suggest.DidYouMean(value, known), what, strings.Join(known, ", "))
	}
	if err := check("profile", opts.Profile, b.Profiles()); err != nil {
		return err
	}
	if err := check("language", opts.Lang, b.Langs()); err != nil {
		return err
	}
	return check("variant", opts.Variant, b.Variants())
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
	// Enabled says whether the rule is deployed enabled and scheduled, or
	// disabled (the project's enablement policy by rule status decides).
	Enabled bool
}

// Backend is one target SIEM language.
type Backend interface {
	// Name is the --target value: splunk, kql or elastic.
	Name() string
	// Title is how analysts name the target, for runbooks and reports.
	Title() string
	// Profiles lists the built-in profile names; the first is the default.
	Profiles() []string
	// Langs lists the query languages; the first is the default.
	Langs() []string
	// Variants lists the alternative forms of the target's query (none
	// for most targets).
	Variants() []string
	// Compile turns one checked rule into a query or returns a *Refusal.
	// The rule has passed internal/check: a backend refuses only what its
	// target cannot express, never a mistake in the rule.
	Compile(r *check.Rule, opts Options) (*Query, error)
	// Package writes the deployment files for compiled rules. A rule the
	// deployment format cannot hold (a documented limit of the SIEM, such
	// as the length of a Sentinel analytics rule's query) is left out and
	// returned as its *Refusal; every other rule is packaged. The error is
	// for what fails the whole package: options, profiles, a backend bug.
	Package(ds []Deployable, opts Options) ([]Artifact, []*Refusal, error)
}

// Mapper is a backend whose profiles are mapping data, which lint reads
// to know the field names of each log source.
type Mapper interface {
	Mapping(profile string) (*mapping.Profile, error)
}
