// Package mapping holds field-mapping profiles as data: for each log source,
// what a target reads (index, table, data model) and what each Sigma
// taxonomy field is called there. Backends embed their built-in profiles as
// YAML; users merge their own file over them.
package mapping

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// Profile is one named field mapping for one target.
type Profile struct {
	Name        string
	Target      string
	Description string
	// Passthrough keeps field names unchanged when no mapping is given and
	// accepts any log source (the raw profiles).
	Passthrough bool
	// Fields apply to every source; a source's own fields take precedence.
	Fields map[string]Field
	// Attrs, set by a user's override (a project's index), apply to every
	// source when the override is merged; a source's own attributes in the
	// override take precedence.
	Attrs   map[string]string
	Sources []*Source
}

// Source is how a target reads one log source.
type Source struct {
	LogSource rule.LogSource
	// Label names the source in refusals: required where the profile
	// lists several sources (alternatives) for one log source.
	Label string
	// Attrs are backend-specific settings (index, sourcetype, table,
	// datamodel, index_pattern, ...).
	Attrs  map[string]string
	Fields map[string]Field
	// Unsupported, when set, says why the target does not collect the log
	// source at all: a rule on it is refused with that reason, and the
	// source does not count as one the SIEM collects.
	Unsupported string
	// Pos is where the source is written (a mapping file or a project
	// file's source block), for diagnostics about a user's override.
	Pos rule.Pos
}

// Attr returns a source attribute ("" when unset or for a nil source).
func (s *Source) Attr(name string) string {
	if s == nil {
		return ""
	}
	return s.Attrs[name]
}

// Field is what one Sigma field becomes in a target.
type Field struct {
	// Names are the target's field names; a match on any of them counts.
	Names []string
	// Type is the target's type for the field where it matters (keyword,
	// text, ip, long, string, datetime ...); "" when unknown.
	Type string
	// Unsupported, when set, says why the target cannot express the field.
	Unsupported string
	// Values, when set, is how the target writes each of the field's
	// values (Sysmon's Initiated "true" is ECS's network.direction
	// "egress"): keys are the rule's values, compared case-insensitively.
	// TranslateValues applies it.
	Values map[string]string
	// Renamed, when set, lists the few values the target writes
	// differently while it writes every other value as the rule's source
	// does (the Elastic Microsoft 365 pipeline's own names for five
	// operations): keys are the source's values, each with the target's.
	// TranslateValues keeps a comparison that the renaming cannot change,
	// rewrites an equality with a renamed value, and refuses the rest
	// (renameValues).
	Renamed map[string]string
	// Hashes, when set, says the target keeps Sysmon's Hashes string
	// ("SHA1=...,MD5=...,IMPHASH=...") as one field per algorithm: the
	// keys are Sysmon's algorithm names (SHA1, MD5, SHA256, IMPHASH), each
	// value the field of this profile that holds that algorithm's hash.
	// TranslateValues applies it (splitHashes).
	Hashes map[string]string
	// Account, when set, says the target keeps a Windows account
	// (Sysmon's DOMAIN\name) as two fields: the profile's fields for the
	// domain and for the name. TranslateValues applies it to rules for
	// product windows (splitAccount).
	Account *Account
	// FileName, when set, says the target keeps only the file name of
	// this Windows path (Sysmon's TargetImage, ImageLoaded) in a form a
	// rule can rely on: the profile's field that holds it. TranslateValues
	// rewrites the comparisons that speak of the file name alone
	// (splitFileName) and refuses the others.
	FileName string
	// CasedUnsupported, when set, says why a case-sensitive comparison
	// (Sigma's cased) on the field cannot keep its meaning: the letter
	// case the target writes differs from the rule's source, or is not
	// known. TranslateValues refuses such a comparison with it.
	CasedUnsupported string
}

// Account names the fields of a profile that hold an account's domain and
// its name.
type Account struct {
	Domain, Name string
}

// MappingError says a field or log source has no mapping in a profile.
type MappingError struct {
	Profile string
	Field   string
	Reason  string
}

func (e *MappingError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("profile %q: %s", e.Profile, e.Reason)
	}
	return fmt.Sprintf("field %q: profile %q: %s", e.Field, e.Profile, e.Reason)
}

// Alternatives returns the sources a rule of log source ls may read, in
// the profile's order of preference: the source whose set keys (category,
// product, service) all equal the rule's, preferring the one with the most
// keys, and every later source of the profile for the same log source (a
// source's alternatives: Resolve picks one per rule). A passthrough
// profile with no match gives an empty source, so raw queries add no
// source clause.
func (p *Profile) Alternatives(ls rule.LogSource) ([]*Source, error) {
	var best []*Source
	bestScore := -1
	for _, s := range p.Sources {
		score, ok := s.matches(ls)
		switch {
		case !ok:
		case score > bestScore:
			best, bestScore = []*Source{s}, score
		case score == bestScore && sameLogSource(s.LogSource, best[0].LogSource):
			best = append(best, s)
		}
	}
	if best != nil && best[0].Unsupported != "" {
		return nil, &MappingError{Profile: p.Name, Reason: best[0].Unsupported}
	}
	if best != nil {
		return best, nil
	}
	if p.Passthrough {
		return []*Source{{Attrs: p.Attrs}}, nil
	}
	return nil, &MappingError{Profile: p.Name, Reason: fmt.Sprintf("no source for log source %s (the profile's %d sources are listed in docs/profiles.md; add one in a mapping file)", Describe(ls), len(p.Sources))}
}

// sameLogSource reports whether two sources are written for the same log
// source (alternatives of each other).
func sameLogSource(a, b rule.LogSource) bool {
	return strings.EqualFold(a.Category, b.Category) && strings.EqualFold(a.Product, b.Product) && strings.EqualFold(a.Service, b.Service)
}

// FieldUse is a field a rule reads (a comparison, a fieldref value, an
// aggregation's field or key) and where the rule first reads it.
type FieldUse struct {
	Field string
	Pos   rule.Pos
}

// Resolve picks the source rule r reads and returns r with the source's
// value transforms applied (TranslateValues): of the alternatives for its
// log source, the first whose mapping expresses every field of uses
// (mapped, not unsupported) and whose transforms rewrite every value the
// rule compares. A log source with one source gives it whatever it lacks,
// so that the backend refuses the first field it cannot write. When no
// alternative expresses the rule, the error is a *SourceError saying what
// each lacks; a *MappingError when the profile has no source for the log
// source; a *ValueError when its one source cannot rewrite a value.
func (p *Profile) Resolve(r *rule.Rule, uses []FieldUse) (*Source, *rule.Rule, error) {
	alts, err := p.Alternatives(r.LogSource)
	if err != nil {
		return nil, nil, err
	}
	if len(alts) == 1 {
		out, err := p.TranslateValues(r, alts[0])
		return alts[0], out, err
	}
	se := &SourceError{Profile: p.Name}
	for _, s := range alts {
		lack := p.lack(s, uses)
		if lack == nil {
			out, err := p.TranslateValues(r, s)
			var ve *ValueError
			if !errors.As(err, &ve) {
				return s, out, err
			}
			lack = &Lack{Source: s, Field: ve.Field, Pos: ve.Pos, Reason: ve.Reason}
		}
		se.Lacks = append(se.Lacks, *lack)
	}
	return nil, nil, se
}

// lack is the first field of uses that source s cannot express (nil when
// it expresses them all).
func (p *Profile) lack(s *Source, uses []FieldUse) *Lack {
	for _, u := range uses {
		if _, err := p.Field(s, u.Field); err != nil {
			return &Lack{Source: s, Field: u.Field, Pos: u.Pos, Reason: Reason(err)}
		}
	}
	return nil
}

// SourceError says that none of a log source's alternative sources
// expresses a rule, and what each lacks, in the profile's order.
type SourceError struct {
	Profile string
	Lacks   []Lack
}

// Lack is the first field an alternative source cannot express for a
// rule, where the rule reads it, and why.
type Lack struct {
	Source *Source
	Field  string
	Pos    rule.Pos
	Reason string
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("field %q: profile %q: %s", e.Lacks[0].Field, e.Profile, e.Detail())
}

// Detail says what each alternative lacks, each named by its label; a
// field other than the first alternative's is named.
func (e *SourceError) Detail() string {
	parts := make([]string, len(e.Lacks))
	for i, l := range e.Lacks {
		if l.Field == e.Lacks[0].Field {
			parts[i] = fmt.Sprintf("%s: %s", l.Source.Label, l.Reason)
		} else {
			parts[i] = fmt.Sprintf("%s: field %q: %s", l.Source.Label, l.Field, l.Reason)
		}
	}
	return strings.Join(parts, "; ")
}

func (s *Source) matches(ls rule.LogSource) (int, bool) {
	score := 0
	for i, kv := range [][2]string{{s.LogSource.Category, ls.Category}, {s.LogSource.Product, ls.Product}, {s.LogSource.Service, ls.Service}} {
		if kv[0] == "" {
			continue
		}
		if !strings.EqualFold(kv[0], kv[1]) {
			if i == 1 && kv[1] == "" && s.Attr(OnlyProduct) == "true" {
				continue // the rule reads any product's events: these are all there are
			}
			return 0, false
		}
		score++
	}
	return score, true
}

// OnlyProduct is the source attribute that says the target collects the
// source's category from the source's product only (Sentinel's native
// tables hold process creation from Windows alone). A rule that names the
// category but no product then reads that source; a rule for another
// product still finds none.
const OnlyProduct = "only_product"

// Describe writes a log source as category=...,product=...,service=...
// for messages; "(empty)" when it sets nothing.
func Describe(ls rule.LogSource) string {
	var parts []string
	for _, kv := range [][2]string{{"category", ls.Category}, {"product", ls.Product}, {"service", ls.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return "(empty)"
	}
	return strings.Join(parts, ",")
}

// Field maps a Sigma field name through a resolved source. A field with no
// mapping is an error naming the field and the profile, unless the profile
// is a passthrough one; a field mapped as unsupported is an error with the
// profile's reason.
func (p *Profile) Field(s *Source, name string) (Field, error) {
	f, ok := Field{}, false
	if s != nil {
		f, ok = s.Fields[name]
	}
	if !ok {
		f, ok = p.Fields[name]
	}
	switch {
	case ok && f.Unsupported != "":
		return Field{}, &MappingError{Profile: p.Name, Field: name, Reason: f.Unsupported}
	case ok:
		return f, nil
	case p.Passthrough:
		return Field{Names: []string{name}}, nil
	}
	return Field{}, &MappingError{Profile: p.Name, Field: name, Reason: "no mapping for this field (add one in a mapping file: see docs/mappings.md)"}
}

// Merge lays an override profile over p and returns the result; p is not
// changed. Sources are matched by equal log source (category, product
// and service, case-insensitively); their attributes and
// fields are merged key by key, and new sources are added. An override's
// source for a log source with alternatives is merged into the first (the
// preferred one) and replaces the others: the rules read the user's
// source, never a built-in alternative the user did not write. The
// override's own further sources for that log source are its alternatives.
func (p *Profile) Merge(o *Profile) *Profile {
	if o == nil {
		return p
	}
	out := &Profile{Name: p.Name, Target: p.Target, Description: p.Description, Passthrough: p.Passthrough || o.Passthrough,
		Fields: mergeFields(p.Fields, o.Fields), Attrs: mergeAttrs(p.Attrs, o.Attrs)}
	for _, s := range p.Sources {
		out.Sources = append(out.Sources, &Source{LogSource: s.LogSource, Label: s.Label, Attrs: mergeAttrs(s.Attrs, o.Attrs), Fields: mergeFields(s.Fields, nil), Unsupported: s.Unsupported, Pos: s.Pos})
	}
	var overridden []rule.LogSource
	for _, os := range o.Sources {
		same := func(s *Source) bool { return sameLogSource(s.LogSource, os.LogSource) }
		first := -1
		if !slices.ContainsFunc(overridden, func(ls rule.LogSource) bool { return sameLogSource(ls, os.LogSource) }) {
			first = slices.IndexFunc(out.Sources, same)
			overridden = append(overridden, os.LogSource)
		}
		if first < 0 {
			out.Sources = append(out.Sources, &Source{LogSource: os.LogSource, Label: os.Label, Attrs: mergeAttrs(o.Attrs, os.Attrs), Fields: mergeFields(os.Fields, nil), Unsupported: os.Unsupported, Pos: os.Pos})
			continue
		}
		s := out.Sources[first]
		s.Attrs = mergeAttrs(s.Attrs, os.Attrs)
		s.Fields = mergeFields(s.Fields, os.Fields)
		// The override says whether the team collects the source: a
		// table or fields of its own make a source the built-in profile
		// does not collect one it reads; a bare logsource changes nothing.
		if os.Unsupported != "" || len(os.Attrs) > 0 || len(os.Fields) > 0 {
			s.Unsupported = os.Unsupported
		}
		if os.Label != "" {
			s.Label = os.Label
		}
		out.Sources = slices.DeleteFunc(out.Sources, func(x *Source) bool { return x != s && same(x) })
	}
	return out
}

func mergeAttrs(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func mergeFields(a, b map[string]Field) map[string]Field {
	out := map[string]Field{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// Reason is a mapping error's reason without the field and profile it
// starts with, for refusals that name them already; other errors are
// returned whole.
func Reason(err error) string {
	var me *MappingError
	var se *SourceError
	switch {
	case errors.As(err, &me):
		return me.Reason
	case errors.As(err, &se):
		return se.Detail()
	}
	return err.Error()
}

// FieldNames lists a source's mapped Sigma fields, profile-wide ones
// included, sorted; checkers use it to declare schemas.
func (p *Profile) FieldNames(s *Source) []string {
	seen := map[string]bool{}
	for k := range p.Fields {
		seen[k] = true
	}
	if s != nil {
		for k := range s.Fields {
			seen[k] = true
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Shadow is a user's source that some rules of its log source do not
// read: the profile has sources for more specific log sources (more keys
// set, agreeing on the keys the user's source sets) that the override
// does not name, and a rule reads the most specific source.
type Shadow struct {
	Source *Source
	Hidden []rule.LogSource
}

// Shadowed lists the sources of over that the more specific sources of
// base hide from some rules.
func Shadowed(base, over *Profile) []Shadow {
	var out []Shadow
	for _, os := range over.Sources {
		var hidden []rule.LogSource
		for _, s := range base.Sources {
			if !refines(s.LogSource, os.LogSource) ||
				slices.ContainsFunc(over.Sources, func(x *Source) bool { return sameLogSource(x.LogSource, s.LogSource) }) ||
				slices.ContainsFunc(hidden, func(ls rule.LogSource) bool { return sameLogSource(ls, s.LogSource) }) {
				continue
			}
			hidden = append(hidden, s.LogSource)
		}
		if len(hidden) > 0 {
			out = append(out, Shadow{Source: os, Hidden: hidden})
		}
	}
	return out
}

// refines reports whether log source a is more specific than b: it sets
// every key b sets, to the same value, and more.
func refines(a, b rule.LogSource) bool {
	more := false
	for _, kv := range [][2]string{{a.Category, b.Category}, {a.Product, b.Product}, {a.Service, b.Service}} {
		switch {
		case kv[1] != "" && !strings.EqualFold(kv[0], kv[1]):
			return false
		case kv[1] == "" && kv[0] != "":
			more = true
		}
	}
	return more
}
