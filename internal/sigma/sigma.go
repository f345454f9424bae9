// Package sigma is detc's Sigma front end: it reads Sigma v2 YAML files
// (detection rules, correlation rules, several documents per file) into the
// rule model, with a file:line:col position on every node and diagnostic.
//
// Load reads one file. Correlation rules may refer to rules in other files,
// so a caller that loads several files runs ResolveCorrelations over all the
// rules it loaded; LoadFiles does both, loading files in parallel.
package sigma

import (
	"bytes"
	"runtime"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/sigma/fastyaml"
	"github.com/detc/detc/internal/yamlnode"
)

// MaxFileSize bounds one Sigma file. The largest SigmaHQ rule is about
// 300 KB; YAML parsing costs a few microseconds per node, so the cap keeps a
// stray log dump from taking seconds and hundreds of megabytes.
const MaxFileSize = 1 << 20

// MaxValues bounds the values one file may expand to. YAML aliases let a
// small file refer to one list many times; the cap keeps that linear.
const MaxValues = 100_000

// Diagnostic codes.
const (
	CodeTooLarge    = "file-too-large"
	CodeEmptyFile   = "empty-file"
	CodeYAML        = "yaml-syntax"
	CodeWrongType   = "wrong-type"
	CodeMissingKey  = "missing-key"
	CodeDuplicate   = "duplicate-key"
	CodeUnsupported = "unsupported"
	CodeBadValue    = "bad-value"
	CodeUnknownRule = "unknown-rule"
	CodeAttackTag   = "attack-tag-unknown"
	CodeTooMany     = "too-many-values"
	CodeUnknownKey  = "unknown-key"
)

// Load reads the Sigma rules in one file. It returns every rule that
// loaded, beside diagnostics for the ones that did not; it never panics.
// Correlation rules come back unresolved (no searches or condition): pass
// all loaded rules to ResolveCorrelations.
func Load(file string, data []byte) ([]*rule.Rule, rule.Diagnostics) {
	rules, _, diags := Decode(file, data)
	return rules, diags
}

// Decode is Load that also returns the rules that did not load, with what
// was read of them (title, id, name, position) and their errors, so that
// reports can count them.
func Decode(file string, data []byte) ([]*rule.Rule, []rule.Unloaded, rule.Diagnostics) {
	d := &decoder{file: file, data: data}
	start := rule.Pos{File: file, Line: 1, Col: 1}
	if len(data) > MaxFileSize {
		d.diags.Errorf(start, CodeTooLarge, "file is %d bytes; a Sigma file may be at most %d bytes (1 MiB)", len(data), MaxFileSize)
		return nil, nil, d.diags
	}
	docs := d.parse()
	if d.fast != nil {
		defer d.fast.Release() // the rules keep no node
	}
	var rules []*rule.Rule
	empty := true
	for _, doc := range docs {
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			continue // an empty document, e.g. after a trailing ---
		}
		empty = false
		if r := d.rule(root); r != nil {
			rules = append(rules, r)
		}
	}
	if empty && !d.diags.HasErrors() {
		d.diags.Errorf(start, CodeEmptyFile, "empty file: a Sigma file holds at least one rule")
	}
	d.diags.Sort()
	return rules, d.unloaded, d.diags
}

// LoadFiles loads several files in parallel (one worker per GOMAXPROCS)
// and resolves the correlations among all their rules. Rules come back in
// file-name order, then in their order in the file.
func LoadFiles(files map[string][]byte) ([]*rule.Rule, rule.Diagnostics) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	type result struct {
		rules []*rule.Rule
		diags rule.Diagnostics
	}
	results := make([]result, len(names))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(names)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r, d := Load(names[i], files[names[i]])
				results[i] = result{r, d}
			}
		}()
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	var rules []*rule.Rule
	var diags rule.Diagnostics
	for _, res := range results {
		rules = append(rules, res.rules...)
		diags = append(diags, res.diags...)
	}
	rules, d := ResolveCorrelations(rules)
	diags = append(diags, d...)
	diags.Sort()
	return rules, diags
}

// decoder reads one file.
type decoder struct {
	file    string
	data    []byte
	lines   []int // offsets of line starts, computed on first use
	nvalues int   // values read so far, against MaxValues
	diags   rule.Diagnostics
	fast    *fastyaml.Parser // holds the nodes when the fast parser read the file
	// unloaded are the rules of the file that did not load.
	unloaded []rule.Unloaded
}

// parse splits the file into YAML documents. A syntax error ends the file
// (the parser cannot resynchronise) but keeps the documents before it.
// The fast parser reads most files; the others go to yaml.v3.
func (d *decoder) parse() (docs []*yaml.Node) {
	defer func() {
		// yaml.v3 is third-party code on hostile input: turn any panic
		// into a diagnostic rather than crash the run.
		if p := recover(); p != nil {
			d.diags.Errorf(rule.Pos{File: d.file, Line: 1, Col: 1}, CodeYAML, "YAML parser failed: %v", p)
		}
	}()
	if docs, fast, ok := fastyaml.Parse(d.data); ok {
		d.fast = fast
		return docs
	}
	if err := fastyaml.Decode(d.data, &docs); err != nil {
		d.yamlError(err)
	}
	return docs
}

// yamlError reports a yaml.v3 error at the line it names.
func (d *decoder) yamlError(err error) {
	d.diags = append(d.diags, yamlnode.SyntaxDiagnostic(d.file, CodeYAML, err))
}

func (d *decoder) pos(n *yaml.Node) rule.Pos { return yamlnode.Pos(d.file, n) }

// deref, isNull and kind are yamlnode's, named short for the decoder.
var (
	deref  = yamlnode.Deref
	isNull = yamlnode.IsNull
	kind   = yamlnode.Kind
)

// pair is one key and its value in a YAML map.
type pair struct {
	key, val *yaml.Node
}

// mapping lists a map's pairs in source order, reporting duplicate keys,
// keys that are not strings and merge keys (<<), which Sigma does not use.
func (d *decoder) mapping(n *yaml.Node) []pair {
	pairs := make([]pair, 0, len(n.Content)/2)
	// Most maps have a handful of keys: look for duplicates among the
	// pairs, and build an index only for large maps.
	var seen map[string]*yaml.Node
	if len(n.Content) > 32 {
		seen = make(map[string]*yaml.Node, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.diags.Errorf(d.pos(k), CodeWrongType, "a key must be a string, not %s", kind(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.diags.Errorf(d.pos(k), CodeUnsupported, "YAML merge keys (<<) are not supported in Sigma rules")
			continue
		}
		if first := findKey(pairs, seen, k.Value); first != nil {
			d.diags.Errorf(d.pos(k), CodeDuplicate, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		if seen != nil {
			seen[k.Value] = k
		}
		pairs = append(pairs, pair{k, v})
	}
	return pairs
}

// findKey returns the key node named key among pairs (through seen when
// there is one), or nil.
func findKey(pairs []pair, seen map[string]*yaml.Node, key string) *yaml.Node {
	if seen != nil {
		return seen[key]
	}
	for _, p := range pairs {
		if p.key.Value == key {
			return p.key
		}
	}
	return nil
}

// str reads a scalar as text; empty values give "".
func (d *decoder) str(p pair) string {
	if p.val.Kind != yaml.ScalarNode {
		d.diags.Errorf(d.pos(p.val), CodeWrongType, "%s must be a string, not %s", p.key.Value, kind(p.val))
		return ""
	}
	if isNull(p.val) {
		return ""
	}
	return p.val.Value
}

// strList reads a list of scalars; a single scalar is a list of one, as
// many rules write "falsepositives: Unknown".
func (d *decoder) strList(p pair) []string {
	switch p.val.Kind {
	case yaml.ScalarNode:
		if isNull(p.val) {
			return nil
		}
		return []string{p.val.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(p.val.Content))
		for _, item := range p.val.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				d.diags.Errorf(d.pos(item), CodeWrongType, "%s must be a list of strings; this item is %s", p.key.Value, kind(item))
				continue
			}
			if !isNull(item) {
				out = append(out, item.Value)
			}
		}
		return out
	}
	d.diags.Errorf(d.pos(p.val), CodeWrongType, "%s must be a list of strings, not %s", p.key.Value, kind(p.val))
	return nil
}

// lineStart returns the offset of the first byte of a 1-based line, or -1.
func (d *decoder) lineStart(line int) int {
	if d.lines == nil {
		d.lines = append(d.lines, 0)
		for i, c := range d.data {
			if c == '\n' {
				d.lines = append(d.lines, i+1)
			}
		}
	}
	if line < 1 || line > len(d.lines) {
		return -1
	}
	return d.lines[line-1]
}

// line returns the text of a 1-based line without its newline.
func (d *decoder) line(n int) (string, bool) {
	start := d.lineStart(n)
	if start < 0 {
		return "", false
	}
	end := bytes.IndexByte(d.data[start:], '\n')
	if end < 0 {
		end = len(d.data) - start
	}
	return string(bytes.TrimSuffix(d.data[start:start+end], []byte("\r"))), true
}
