package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/suggest"
	"github.com/detc/detc/internal/yamlnode"
)

// MaxFileSize bounds a mapping file. The largest built-in profile is 8 KB;
// a mapping of every field of every source a SIEM knows stays far below.
// yaml.v3 reads about 12 MB a second, so the cap keeps a load under a
// tenth of a second.
const MaxFileSize = 1 << 20

// MaxNodes bounds the YAML nodes a mapping file expands to, an alias
// counting the nodes it repeats each time it is used: a few aliases
// nested in each other would otherwise stand for billions of nodes.
const MaxNodes = 200_000

// Diagnostic codes of mapping files.
const (
	CodeTooLarge      = "mapping-too-large"
	CodeYAML          = "yaml-syntax"
	CodeUnknownKey    = "unknown-key"
	CodeDuplicate     = "duplicate-key"
	CodeWrongType     = "wrong-type"
	CodeBadValue      = "bad-value"
	CodeWrongTarget   = "wrong-target"
	CodeBadFieldName  = "bad-field-name"
	CodeTooManyNodes  = "too-many-nodes"
	CodeMissingFields = "missing-key"
)

// Schema says what a target's mapping files may hold beyond the common
// shape: the source attributes its backend reads. Each backend declares
// its own with Register.
type Schema struct {
	Target string
	// Attrs are the attribute names, sorted.
	Attrs []string
	// Types are the field types the backend knows (a field's type:);
	// nil when it reads none, and then any is accepted unchecked.
	Types []string
}

var schemas = map[string]Schema{}

// Register records a target's schema, for SchemaFor, and returns it.
func Register(s Schema) Schema {
	s.Attrs = slices.Sorted(slices.Values(s.Attrs))
	s.Types = slices.Sorted(slices.Values(s.Types))
	schemas[s.Target] = s
	return s
}

// SchemaFor returns the schema a target registered.
func SchemaFor(target string) (Schema, bool) {
	s, ok := schemas[target]
	return s, ok
}

func registeredTargets() []string {
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// The keys of each map of a mapping file.
var (
	topKeys       = []string{"name", "target", "description", "passthrough", "fields", "sources"}
	sourceKeys    = []string{"logsource", "label", "attrs", "fields", "unsupported"}
	logSourceKeys = []string{"category", "product", "service"}
	fieldKeys     = []string{"name", "names", "type", "unsupported", "values", "renamed", "hashes", "account", "file_name", "cased_unsupported"}
	accountKeys   = []string{"domain", "name"}
)

// Parse reads a profile from YAML for the target of schema. Every problem
// is a diagnostic at its file:line:col; the error returned is then a
// rule.Diagnostics. Loading is linear in the file's size: the file is read
// once into nodes and each node is looked at once (aliases within
// MaxNodes).
func Parse(file string, data []byte, schema Schema) (*Profile, error) {
	p := &parser{file: file, schema: schema}
	prof := p.parse(data)
	if len(p.diags) > 0 {
		return nil, p.diags
	}
	return prof, nil
}

type parser struct {
	file   string
	schema Schema
	diags  rule.Diagnostics
	nodes  int
	// over is set once MaxNodes is passed: the walk stops.
	over bool
	// open holds the maps being read, so that a merge key naming one of
	// them (a cycle) is an error rather than a walk to MaxNodes.
	open map[*yaml.Node]bool
}

func (p *parser) parse(data []byte) *Profile {
	start := rule.Pos{File: p.file, Line: 1, Col: 1}
	if len(data) > MaxFileSize {
		p.diags.Errorf(start, CodeTooLarge, "the mapping file is %d bytes; a mapping file may be at most %d bytes (1 MiB)", len(data), MaxFileSize)
		return nil
	}
	doc, ok := p.document(data)
	if !ok {
		return nil
	}
	prof := &Profile{}
	if doc == nil || yamlnode.IsNull(doc) {
		return prof // an empty file changes nothing
	}
	pairs, ok := p.mapping(doc, "a mapping file")
	if !ok {
		return nil
	}
	// The target first: attributes are checked against its schema.
	for _, kv := range pairs {
		if kv.key.Value == "target" {
			prof.Target = p.str(kv)
			p.checkTarget(kv.val, prof.Target)
		}
	}
	for _, kv := range pairs {
		switch kv.key.Value {
		case "target":
		case "name":
			prof.Name = p.str(kv)
		case "description":
			prof.Description = p.str(kv)
		case "passthrough":
			prof.Passthrough = p.boolean(kv)
		case "fields":
			prof.Fields = p.fields(kv.val)
		case "sources":
			prof.Sources = p.sources(kv)
		default:
			p.unknownKey(kv.key, "at the top of a mapping file", topKeys)
		}
	}
	return prof
}

// document parses the one YAML document of the file (nil for an empty
// file).
func (p *parser) document(data []byte) (doc *yaml.Node, ok bool) {
	defer func() {
		// yaml.v3 is third-party code on hostile input: a panic in it is
		// a syntax error of the file, not a crash of detc.
		if r := recover(); r != nil {
			p.diags.Errorf(rule.Pos{File: p.file, Line: 1, Col: 1}, CodeYAML, "YAML syntax error: the parser failed: %v", r)
			doc, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		p.yamlError(err)
		return nil, false
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.diags.Errorf(p.pos(&next), CodeYAML, "a mapping file holds one YAML document; this is a second one")
		return nil, false
	case !errors.Is(err, io.EOF):
		p.yamlError(err)
		return nil, false
	}
	if len(root.Content) == 0 {
		return nil, true
	}
	return root.Content[0], true
}

func (p *parser) yamlError(err error) {
	p.diags = append(p.diags, yamlnode.SyntaxDiagnostic(p.file, CodeYAML, err))
}

func (p *parser) pos(n *yaml.Node) rule.Pos { return yamlnode.Pos(p.file, n) }

// visit follows an alias and counts the node against MaxNodes; false once
// the budget is spent (reported once, where it ran out).
func (p *parser) visit(n *yaml.Node) (*yaml.Node, bool) {
	if p.over {
		return nil, false
	}
	at := n
	n = yamlnode.Deref(n)
	p.nodes++
	if p.nodes > MaxNodes {
		p.over = true
		p.diags.Errorf(p.pos(at), CodeTooManyNodes, "the mapping file expands to more than %d YAML nodes (aliases repeat what they name); write it out or split it", MaxNodes)
		return nil, false
	}
	return n, true
}

// pair is one key and its value in a YAML map.
type pair struct{ key, val *yaml.Node }

// mapping returns a map's pairs with merge keys (<<) applied, reporting
// duplicate keys; what names the map in a type error.
func (p *parser) mapping(n *yaml.Node, what string) ([]pair, bool) {
	n, ok := p.visit(n)
	if !ok {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		p.diags.Errorf(p.pos(n), CodeWrongType, "%s must be a map, not %s", what, yamlnode.Kind(n))
		return nil, false
	}
	if p.open == nil {
		p.open = map[*yaml.Node]bool{}
	}
	p.open[n] = true
	defer delete(p.open, n)
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, p.merge(v)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.diags.Errorf(p.pos(k), CodeWrongType, "a key must be a string, not %s", yamlnode.Kind(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.diags.Errorf(p.pos(k), CodeDuplicate, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, pair{k, v})
	}
	// Keys written in the map win over merged ones, as YAML specifies.
	for _, kv := range merged {
		if seen[kv.key.Value] == nil {
			seen[kv.key.Value] = kv.key
			own = append(own, kv)
		}
	}
	return own, true
}

// merge reads the value of a merge key: a map or a list of maps.
func (p *parser) merge(v *yaml.Node) []pair {
	d, ok := p.visit(v)
	if !ok {
		return nil
	}
	maps := []*yaml.Node{v} // as written, an alias placing errors
	if d.Kind == yaml.SequenceNode {
		maps = d.Content
	}
	var out []pair
	for _, m := range maps {
		if p.open[yamlnode.Deref(m)] {
			p.diags.Errorf(p.pos(m), CodeBadValue, "the merge key (<<) names a map it is part of")
			return out
		}
		pairs, ok := p.mapping(m, "a merge key's value (<<)")
		if !ok {
			return out
		}
		out = append(out, pairs...)
	}
	return out
}

func (p *parser) unknownKey(k *yaml.Node, where string, known []string) {
	p.diags.Errorf(p.pos(k), CodeUnknownKey, "unknown key %q %s%s; the keys are %s", k.Value, where, suggest.DidYouMean(k.Value, known), strings.Join(known, ", "))
}

// want visits kv's value and checks it is of kind; what names the kind
// in the error.
func (p *parser) want(kv pair, kind yaml.Kind, what string) (*yaml.Node, bool) {
	v, ok := p.visit(kv.val)
	if ok && v.Kind != kind {
		p.diags.Errorf(p.pos(v), CodeWrongType, "%s must be %s, not %s", kv.key.Value, what, yamlnode.Kind(v))
		return nil, false
	}
	return v, ok
}

// str reads a scalar as text; an empty value gives "".
func (p *parser) str(kv pair) string {
	v, ok := p.want(kv, yaml.ScalarNode, "a string")
	if !ok || yamlnode.IsNull(v) {
		return ""
	}
	return v.Value
}

func (p *parser) boolean(kv pair) bool {
	v, ok := p.visit(kv.val)
	if !ok {
		return false
	}
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
		p.diags.Errorf(p.pos(v), CodeWrongType, "%s must be true or false, not %s", kv.key.Value, yamlnode.Kind(v))
	}
	return b
}

func (p *parser) checkTarget(v *yaml.Node, target string) {
	switch {
	case target == "" || p.over:
	case p.schema.Target != "" && target != p.schema.Target:
		p.diags.Errorf(p.pos(v), CodeWrongTarget, "the mapping is for target %q, not %q", target, p.schema.Target)
	case p.schema.Target == "":
		s, ok := SchemaFor(target)
		if !ok {
			p.diags.Errorf(p.pos(v), CodeWrongTarget, "unknown target %q%s; the targets are %s", target, suggest.DidYouMean(target, registeredTargets()), strings.Join(registeredTargets(), ", "))
			return
		}
		p.schema = s
	}
}

func (p *parser) sources(kv pair) []*Source {
	v, ok := p.want(kv, yaml.SequenceNode, "a list of sources")
	if !ok {
		return nil
	}
	var out []*Source
	var at []*yaml.Node // each source's map, for the alternatives' errors
	for _, item := range v.Content {
		pairs, ok := p.mapping(item, "a source")
		if !ok {
			continue
		}
		s := &Source{Attrs: map[string]string{}, Fields: map[string]Field{}, Pos: p.pos(item)}
		for _, kv := range pairs {
			switch kv.key.Value {
			case "logsource":
				s.LogSource = p.logSource(kv.val)
			case "label":
				s.Label = p.str(kv)
			case "attrs":
				s.Attrs = p.attrs(kv.val)
			case "fields":
				s.Fields = p.fields(kv.val)
			case "unsupported":
				s.Unsupported = p.str(kv)
				if s.Unsupported == "" {
					p.diags.Errorf(p.pos(kv.val), CodeMissingFields, "a source's unsupported needs the reason the target does not collect it")
				}
			default:
				p.unknownKey(kv.key, "in a source", sourceKeys)
			}
		}
		if s.Unsupported != "" && (len(s.Attrs) > 0 || len(s.Fields) > 0) {
			p.diags.Errorf(p.pos(item), CodeMissingFields, "a source the target does not collect (unsupported) has no attrs or fields")
		}
		out = append(out, s)
		at = append(at, yamlnode.Deref(item))
	}
	p.checkAlternatives(out, at)
	return out
}

// checkAlternatives checks the sources written for one log source (a
// source and its alternatives, Profile.Resolve): each needs a label of its
// own, which refusals name, and all must say alike whether the target
// collects the category from their product only, or the later ones would
// serve only some of the rules the first serves.
func (p *parser) checkAlternatives(sources []*Source, at []*yaml.Node) {
	for i, s := range sources {
		first := slices.IndexFunc(sources, func(o *Source) bool { return sameLogSource(o.LogSource, s.LogSource) })
		alts := 0
		for _, o := range sources {
			if sameLogSource(o.LogSource, s.LogSource) {
				alts++
			}
		}
		if alts < 2 {
			continue
		}
		where := fmt.Sprintf("log source %s has %d sources (alternatives, the first at line %d)", Describe(s.LogSource), alts, at[first].Line)
		switch {
		case s.Unsupported != "":
			p.diags.Errorf(p.pos(at[i]), CodeBadValue, "%s: a log source the target does not collect (unsupported) has that one source", where)
		case s.Label == "":
			p.diags.Errorf(p.pos(at[i]), CodeMissingFields, "%s: each needs a label, which names it in refusals", where)
		case i != first && s.Attr(OnlyProduct) != sources[first].Attr(OnlyProduct):
			p.diags.Errorf(p.pos(at[i]), CodeBadValue, "%s: each must set %s alike (this one %q, the first %q)", where, OnlyProduct, s.Attr(OnlyProduct), sources[first].Attr(OnlyProduct))
		}
		for _, o := range sources[:i] {
			if sameLogSource(o.LogSource, s.LogSource) && o.Label == s.Label && s.Label != "" {
				p.diags.Errorf(p.pos(at[i]), CodeDuplicate, "%s: label %q names two of them", where, s.Label)
				break
			}
		}
	}
}

func (p *parser) logSource(n *yaml.Node) rule.LogSource {
	var ls rule.LogSource
	pairs, _ := p.mapping(n, "logsource")
	for _, kv := range pairs {
		switch kv.key.Value {
		case "category":
			ls.Category = p.str(kv)
		case "product":
			ls.Product = p.str(kv)
		case "service":
			ls.Service = p.str(kv)
		default:
			p.unknownKey(kv.key, "in a logsource", logSourceKeys)
		}
	}
	return ls
}

func (p *parser) attrs(n *yaml.Node) map[string]string {
	out := map[string]string{}
	pairs, _ := p.mapping(n, "attrs")
	// Every target's sources may also set the attributes Resolve reads.
	known := slices.Sorted(slices.Values(append([]string{OnlyProduct}, p.schema.Attrs...)))
	for _, kv := range pairs {
		if p.schema.Target != "" && !slices.Contains(known, kv.key.Value) {
			p.diags.Errorf(p.pos(kv.key), CodeUnknownKey, "unknown %s source attribute %q%s; %s reads %s", p.schema.Target, kv.key.Value,
				suggest.DidYouMean(kv.key.Value, known), p.schema.Target, strings.Join(known, ", "))
			continue
		}
		out[kv.key.Value] = p.str(kv)
	}
	return out
}

func (p *parser) fields(n *yaml.Node) map[string]Field {
	out := map[string]Field{}
	pairs, _ := p.mapping(n, "fields")
	for _, kv := range pairs {
		if err := rule.CheckFieldName(kv.key.Value); err != nil {
			p.diags.Errorf(p.pos(kv.key), CodeBadFieldName, "%v", err)
			continue
		}
		if f, ok := p.field(kv); ok {
			out[kv.key.Value] = f
		}
	}
	return out
}

// field reads what one field becomes: a name, a list of names, or a map
// with name/names, type, unsupported, values, hashes, account,
// file_name and cased_unsupported.
func (p *parser) field(kv pair) (Field, bool) {
	v, ok := p.visit(kv.val)
	if !ok {
		return Field{}, false
	}
	switch v.Kind {
	case yaml.ScalarNode:
		name, ok := p.targetName(v)
		return Field{Names: []string{name}}, ok
	case yaml.SequenceNode:
		names, ok := p.targetNames(kv.key.Value, v)
		return Field{Names: names}, ok
	case yaml.MappingNode:
	default:
		return Field{}, false
	}
	pairs, ok := p.mapping(v, "a field mapping")
	if !ok {
		return Field{}, false
	}
	var f Field
	var name []string
	good := true
	for _, q := range pairs {
		switch q.key.Value {
		case "name":
			nv, ok := p.want(q, yaml.ScalarNode, "a string (names: takes a list)")
			if ok {
				var n string
				n, ok = p.targetName(nv)
				name = []string{n}
			}
			good = good && ok
		case "names":
			nv, ok := p.want(q, yaml.SequenceNode, "a list of strings")
			if ok {
				f.Names, ok = p.targetNames(kv.key.Value, nv)
			}
			good = good && ok
		case "type":
			f.Type = p.str(q)
			if types := p.schema.Types; f.Type != "" && types != nil && !slices.Contains(types, f.Type) {
				p.diags.Errorf(p.pos(q.val), CodeBadValue, "unknown %s field type %q%s; %s knows %s", p.schema.Target, f.Type,
					suggest.DidYouMean(f.Type, types), p.schema.Target, strings.Join(types, ", "))
				good = false
			}
		case "unsupported":
			f.Unsupported = p.str(q)
		case "cased_unsupported":
			f.CasedUnsupported = p.str(q)
		case "values":
			f.Values, ok = p.stringMap(q, "a map from the rule's values to the target's")
			good = good && ok
		case "renamed":
			f.Renamed, ok = p.stringMap(q, "a map from the values the target renames to its names for them")
			good = good && ok
		case "hashes":
			f.Hashes, ok = p.hashTable(q)
			good = good && ok
		case "account":
			f.Account, ok = p.account(q)
			good = good && ok
		case "file_name":
			f.FileName = p.str(q)
		default:
			p.unknownKey(q.key, "in a field mapping", fieldKeys)
			good = false
		}
	}
	f.Names = append(name, f.Names...)
	if good && len(f.Names) == 0 && f.Unsupported == "" && f.Hashes == nil && f.Account == nil && f.FileName == "" {
		p.diags.Errorf(p.pos(v), CodeMissingFields, "the mapping of field %q needs name, names, hashes, account, file_name or unsupported", kv.key.Value)
		good = false
	}
	return f, good
}

// hashTable reads a field's hashes: a map from Sysmon's algorithm names to
// the fields of the profile that hold each algorithm's hash.
func (p *parser) hashTable(q pair) (map[string]string, bool) {
	hn, ok := p.want(q, yaml.MappingNode, "a map from hash algorithms (SHA1, MD5, SHA256, IMPHASH) to field names")
	if !ok {
		return nil, false
	}
	hpairs, ok := p.mapping(hn, "hashes")
	table := map[string]string{}
	for _, hp := range hpairs {
		algo := strings.ToUpper(hp.key.Value)
		if _, known := HashLengths[algo]; !known {
			p.diags.Errorf(p.pos(hp.key), CodeBadValue, "unknown hash algorithm %q%s; Sysmon writes %s", hp.key.Value,
				suggest.DidYouMean(algo, hashAlgorithms()), strings.Join(hashAlgorithms(), ", "))
			ok = false
			continue
		}
		table[algo] = p.str(hp)
	}
	return table, ok
}

// stringMap reads a field's table of strings to strings (values,
// renamed); what says what the map holds, for the error when q is not one.
func (p *parser) stringMap(q pair, what string) (map[string]string, bool) {
	vn, ok := p.want(q, yaml.MappingNode, what)
	if !ok {
		return nil, false
	}
	vpairs, _ := p.mapping(vn, q.key.Value)
	table := map[string]string{}
	for _, vp := range vpairs {
		table[vp.key.Value] = p.str(vp)
	}
	return table, true
}

// account reads a field's account: the profile's fields for the domain
// and the name of a Windows account.
func (p *parser) account(q pair) (*Account, bool) {
	an, ok := p.want(q, yaml.MappingNode, "a map with the domain and name fields")
	if !ok {
		return nil, false
	}
	apairs, ok := p.mapping(an, "account")
	a := &Account{}
	for _, ap := range apairs {
		switch ap.key.Value {
		case "domain":
			a.Domain = p.str(ap)
		case "name":
			a.Name = p.str(ap)
		default:
			p.unknownKey(ap.key, "in an account", accountKeys)
			ok = false
		}
	}
	if ok && (a.Domain == "" || a.Name == "") {
		p.diags.Errorf(p.pos(an), CodeMissingFields, "an account needs both domain and name")
		ok = false
	}
	return a, ok
}

func (p *parser) targetNames(field string, seq *yaml.Node) ([]string, bool) {
	if len(seq.Content) == 0 {
		p.diags.Errorf(p.pos(seq), CodeBadValue, "the mapping of field %q is an empty list: name at least one field", field)
		return nil, false
	}
	names := make([]string, 0, len(seq.Content))
	good := true
	for _, item := range seq.Content {
		v, ok := p.visit(item)
		if !ok {
			return nil, false
		}
		if v.Kind != yaml.ScalarNode {
			p.diags.Errorf(p.pos(v), CodeWrongType, "a field name must be a string, not %s", yamlnode.Kind(v))
			good = false
			continue
		}
		n, ok := p.targetName(v)
		good = good && ok
		names = append(names, n)
	}
	return names, good
}

// targetName reads one of the target's field names.
func (p *parser) targetName(v *yaml.Node) (string, bool) {
	if yamlnode.IsNull(v) {
		p.diags.Errorf(p.pos(v), CodeBadValue, "a field name is empty")
		return "", false
	}
	if err := rule.CheckFieldName(v.Value); err != nil {
		p.diags.Errorf(p.pos(v), CodeBadFieldName, "%v", err)
		return "", false
	}
	return v.Value, true
}
