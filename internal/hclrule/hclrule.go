// Package hclrule reads detections written in HCL, the configuration
// language of Terraform, into detc's rule model. A tree of .hcl files is
// loaded together, like a Terraform module: the locals of every file are
// shared by all of them. docs/hcl-format.md describes the format.
//
// Values go through rule.BuildMatchers and conditions through the Sigma
// condition parser, so a detection written in HCL gives the same model as
// the same detection written in Sigma.
package hclrule

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/detc/detc/internal/rule"
)

// File is one source file: its name, as diagnostics should show it, and
// its bytes.
type File struct {
	Name string
	Data []byte
}

// Limits that keep hostile or broken input from exhausting memory or the
// stack. No real detection comes near them.
const (
	// MaxFileSize is the largest .hcl file read, in bytes. Split long
	// shared lists over several files: locals are shared by all of them.
	MaxFileSize = 1 << 20
	// MaxNesting bounds the nesting of blocks, brackets, parentheses and
	// string templates.
	MaxNesting = 100
	// MaxOperators bounds the arithmetic, logical and conditional operators
	// in one file.
	MaxOperators = 1000
	// MaxValues bounds the elements of one evaluated value (a local or an
	// attribute), counting nested lists.
	MaxValues = 10000
	// MaxValueBytes bounds the total length of the strings in one
	// evaluated value.
	MaxValueBytes = 1 << 20
)

// Diagnostic codes. hcl's own messages (syntax, unknown blocks and
// arguments, evaluation) keep hcl's wording and get the code of the step
// that found them.
const (
	CodeSyntax     = "hcl-syntax"     // the file is not valid HCL
	CodeLimit      = "hcl-limit"      // a limit above is exceeded
	CodeEmpty      = "hcl-empty"      // a file with no detection and no locals
	CodeSchema     = "hcl-schema"     // unknown, missing or repeated blocks and attributes
	CodeType       = "hcl-type"       // a value of the wrong type
	CodeEval       = "hcl-eval"       // an expression that cannot be evaluated
	CodeLocal      = "hcl-local"      // undeclared, duplicate or cyclic locals
	CodeDuplicate  = "hcl-duplicate"  // two detections, searches or tests with one name
	CodeValue      = "hcl-value"      // a value of the right type that is still wrong
	CodeComparison = "hcl-comparison" // a match block without exactly one comparison
)

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "locals"},
		{Type: "detection", LabelNames: []string{"name"}},
		// A selection outside a detection is shared: detections name it
		// in use_selections, so logic used by several is written once.
		{Type: "selection", LabelNames: []string{"name"}},
	},
}

type parsedFile struct {
	name string
	body *hclsyntax.Body
}

// Load reads every file and returns the detections they define, in file
// order and then source order, with every problem found. Locals declared in
// any file may be used in all of them. A file with a syntax error stops the
// load after every file has been parsed, since its locals and detections
// are unknown; other problems are reported together, and the rules
// returned are those that decoded without error.
func Load(files []File) ([]*rule.Rule, rule.Diagnostics) {
	rules, _, _, diags := LoadValues(files)
	return rules, diags
}

// Values holds the locals that can stand for a Sigma placeholder
// (%name% with the expand modifier): each local whose value is a string,
// number, bool or null, or a list of them, by name, flattened, every value
// positioned at the local's expression. Other locals (objects, or ones
// that failed) are left out.
type Values map[string][]rule.RawValue

// LoadValues is Load that also returns the locals as placeholder values,
// so that Sigma rules loaded in the same run can use the HCL lists, and
// the detections that did not load (by name and position, with their
// errors), so that reports can count them.
func LoadValues(files []File) ([]*rule.Rule, Values, []rule.Unloaded, rule.Diagnostics) {
	var diags rule.Diagnostics
	parsed := make([]parsedFile, 0, len(files))
	for _, f := range files {
		body, d := parse(f)
		diags = append(diags, d...)
		if body != nil {
			parsed = append(parsed, parsedFile{name: f.Name, body: body})
		}
	}
	if diags.HasErrors() {
		diags.Sort()
		return nil, nil, notLoaded(parsed, diags), diags
	}

	d := &decoder{}
	var detections []*hcl.Block
	var localsBlocks []*hcl.Block
	for _, f := range parsed {
		if len(f.body.Attributes) == 0 && len(f.body.Blocks) == 0 {
			diags.Warnf(rule.Pos{File: f.name, Line: 1, Col: 1}, CodeEmpty, "file %s defines no detection and no locals", f.name)
			continue
		}
		content, hd := f.body.Content(topSchema)
		d.addHCL(hd, CodeSchema)
		for _, b := range content.Blocks {
			switch b.Type {
			case "locals":
				localsBlocks = append(localsBlocks, b)
			case "selection":
				d.share(b)
			default:
				detections = append(detections, b)
			}
		}
	}
	var values Values
	d.ctx, values = d.evalLocals(localsBlocks)

	var rules []*rule.Rule
	seen := map[string]hcl.Range{}
	for _, b := range detections {
		name := b.Labels[0]
		stub := &rule.Rule{Name: name, ID: name, File: b.DefRange.Filename, Pos: posOf(b.DefRange)}
		if name == "" {
			m := d.mark()
			d.errorf(b.LabelRanges[0], CodeValue, "Empty detection name", "The label names the detection; reports and correlation rules refer to it.")
			d.unload(stub, m)
			continue
		}
		if prev, dup := seen[name]; dup {
			m := d.mark()
			d.errorf(b.LabelRanges[0], CodeDuplicate, "Duplicate detection", "A detection named %q is already defined at %s; each detection needs its own name.", name, posOf(prev))
			d.unload(stub, m)
			continue
		}
		seen[name] = b.DefRange
		if r := d.detection(b); r != nil {
			rules = append(rules, r)
		}
	}
	diags = append(diags, d.diags...)
	diags.Sort()
	return rules, values, d.unloaded, diags
}

// notLoaded names the detections of the files that parsed when another
// file did not: none of them is loaded, since the broken file's locals
// and shared selections are unknown. A file that did not parse is not
// listed: its detections are unknown.
func notLoaded(parsed []parsedFile, diags rule.Diagnostics) []rule.Unloaded {
	var broken []string
	for _, diag := range diags {
		if diag.Severity == rule.Error && !slices.Contains(broken, diag.Pos.File) {
			broken = append(broken, diag.Pos.File)
		}
	}
	reason := strings.Join(broken, ", ") + " has errors, and all .hcl files of a run are loaded together"
	var out []rule.Unloaded
	for _, f := range parsed {
		if slices.Contains(broken, f.name) {
			continue
		}
		for _, b := range f.body.Blocks {
			if b.Type != "detection" || len(b.Labels) != 1 {
				continue
			}
			r := &rule.Rule{Name: b.Labels[0], ID: b.Labels[0], File: f.name, Pos: posOf(b.DefRange())}
			for name, field := range map[string]*string{"id": &r.ID, "title": &r.Title} {
				if attr := b.Body.Attributes[name]; attr != nil {
					if v, hd := attr.Expr.Value(nil); !hd.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
						*field = v.AsString()
					}
				}
			}
			out = append(out, rule.Unloaded{Rule: r, Reason: reason})
		}
	}
	return out
}

// parse checks the limits and parses one file. It returns a nil body when
// the file cannot be decoded.
func parse(f File) (*hclsyntax.Body, rule.Diagnostics) {
	if diags := checkLimits(f); diags != nil {
		return nil, diags
	}
	file, hd := hclsyntax.ParseConfig(f.Data, f.Name, hcl.InitialPos)
	if hd.HasErrors() {
		return nil, convert(hd, CodeSyntax)
	}
	return file.Body.(*hclsyntax.Body), convert(hd, CodeSyntax)
}

// checkLimits rejects input that would make the parser or evaluator run out
// of memory or stack: it lexes the file, which is cheap and not recursive,
// before the recursive parser sees it.
func checkLimits(f File) rule.Diagnostics {
	var diags rule.Diagnostics
	start := rule.Pos{File: f.Name, Line: 1, Col: 1}
	if len(f.Data) > MaxFileSize {
		diags = append(diags, rule.Diagnostic{
			Severity: rule.Error, Pos: start, Code: CodeLimit,
			Summary: "File too large",
			Detail:  fmt.Sprintf("%s has %d bytes; the limit is %d. Split long shared lists into several files: locals are shared by every file loaded together.", f.Name, len(f.Data), MaxFileSize),
		})
		return diags
	}
	tokens, _ := hclsyntax.LexConfig(f.Data, f.Name, hcl.InitialPos)
	depth, ops := 0, 0
	for _, t := range tokens {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
			if depth > MaxNesting {
				diags = append(diags, rule.Diagnostic{
					Severity: rule.Error, Pos: posOf(t.Range), Code: CodeLimit,
					Summary: "Nesting too deep",
					Detail:  fmt.Sprintf("Blocks, brackets, parentheses and templates are nested more than %d levels deep here.", MaxNesting),
				})
				return diags
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if depth > 0 {
				depth--
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar,
			hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenAnd,
			hclsyntax.TokenOr, hclsyntax.TokenBang, hclsyntax.TokenEqualOp,
			hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenQuestion:
			ops++
			if ops > MaxOperators {
				diags = append(diags, rule.Diagnostic{
					Severity: rule.Error, Pos: posOf(t.Range), Code: CodeLimit,
					Summary: "Too many operators",
					Detail:  fmt.Sprintf("%s has more than %d operators; detections need only a few.", f.Name, MaxOperators),
				})
				return diags
			}
		}
	}
	return nil
}
