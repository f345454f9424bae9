package hclrule

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/detc/detc/internal/rule"
)

// functions are the functions expressions may call: Terraform's names for
// go-cty's standard library, limited to what building value lists needs.
var functions = map[string]function.Function{
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"distinct":        stdlib.DistinctFunc,
	"flatten":         stdlib.FlattenFunc,
	"format":          boundedWidths(stdlib.FormatFunc),
	"formatlist":      boundedWidths(stdlib.FormatListFunc),
	"join":            stdlib.JoinFunc,
	"length":          stdlib.LengthFunc,
	"lower":           stdlib.LowerFunc,
	"replace":         stdlib.ReplaceFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"sort":            stdlib.SortFunc,
	"split":           stdlib.SplitFunc,
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"upper":           stdlib.UpperFunc,
}

// maxFormatWidth bounds the width and precision of format verbs: "%999999999s"
// would otherwise pad a string to a gigabyte.
const maxFormatWidth = 1000

var formatVerb = regexp.MustCompile(`%[-+# 0]*(?:\[\d+\])?(\d*)(?:\.(\d*))?`)

// boundedWidths wraps format or formatlist, whose first argument is the
// format string, to refuse widths and precisions above maxFormatWidth.
func boundedWidths(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 0 && args[0].IsKnown() && !args[0].IsNull() && args[0].Type() == cty.String {
				for _, m := range formatVerb.FindAllStringSubmatch(args[0].AsString(), -1) {
					for _, digits := range m[1:] {
						if n, err := strconv.Atoi(digits); digits != "" && (err != nil || n > maxFormatWidth) {
							return cty.DynamicVal, function.NewArgErrorf(0, "widths and precisions above %d are not allowed", maxFormatWidth)
						}
					}
				}
			}
			return f.Call(args)
		},
	})
}

// localDef is one declared local value.
type localDef struct {
	attr   *hcl.Attribute
	deps   []string
	refsOK bool
	state  int // unvisited, visiting, done
	value  cty.Value
}

const (
	unvisited = iota
	visiting
	done
)

// sortedAttributes returns a body's attributes in source order, so that
// diagnostics and evaluation follow the file.
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}

// evalLocals declares the locals of every locals block, evaluates them in
// dependency order and returns the context detections are evaluated in,
// and the locals as placeholder values. A local that cannot be evaluated
// is unknown, so that what depends on it is skipped without a second
// message.
func (d *decoder) evalLocals(blocks []*hcl.Block) (*hcl.EvalContext, Values) {
	defs := map[string]*localDef{}
	var order []*localDef
	for _, b := range blocks {
		attrs, hd := b.Body.JustAttributes()
		d.addHCL(hd, CodeSchema)
		for _, a := range sortedAttributes(attrs) {
			if prev, dup := defs[a.Name]; dup {
				d.errorf(a.NameRange, CodeLocal, "Duplicate local value",
					"local.%s is already declared at %s; a local name must be unique across all files loaded together.", a.Name, posOf(prev.attr.NameRange))
				continue
			}
			def := &localDef{attr: a}
			defs[a.Name] = def
			order = append(order, def)
		}
	}
	d.declared = func(name string) bool { return defs[name] != nil }
	for _, def := range order {
		def.deps, def.refsOK = d.references(def.attr.Expr)
	}
	vals := make(map[string]cty.Value, len(order))
	values := Values{}
	for _, def := range order {
		v := d.evalLocal(def, defs, nil)
		vals[def.attr.Name] = v
		var raws []rule.RawValue
		if v.IsWhollyKnown() && flattenValue(v, posOf(def.attr.Expr.Range()), &raws) == "" {
			values[def.attr.Name] = elementPositions(def.attr.Expr, raws)
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"local": cty.ObjectVal(vals)},
		Functions: functions,
	}
	return ctx, values
}

// evalLocal evaluates def after the locals it refers to. stack holds the
// locals being evaluated, to name the members of a cycle.
func (d *decoder) evalLocal(def *localDef, defs map[string]*localDef, stack []*localDef) cty.Value {
	switch def.state {
	case done:
		return def.value
	case visiting:
		names := make([]string, 0, len(stack)+1)
		start := 0
		for i, s := range stack {
			if s == def {
				start = i
			}
		}
		for _, s := range stack[start:] {
			names = append(names, "local."+s.attr.Name)
		}
		names = append(names, "local."+def.attr.Name)
		d.errorf(def.attr.NameRange, CodeLocal, "Cycle in local values",
			"These locals refer to each other, so none has a value: %s.", strings.Join(names, " -> "))
		return cty.DynamicVal
	}
	def.state = visiting
	stack = append(stack, def)
	def.value = cty.DynamicVal
	if def.refsOK {
		deps := make(map[string]cty.Value, len(def.deps))
		for _, name := range def.deps {
			deps[name] = d.evalLocal(defs[name], defs, stack)
		}
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"local": cty.ObjectVal(deps)},
			Functions: functions,
		}
		if v, ok := d.evaluate(def.attr.Expr, ctx); ok {
			def.value = v
		}
	}
	def.state = done
	return def.value
}

// references checks the variables an expression uses, which must be
// declared locals, and returns their names.
func (d *decoder) references(expr hcl.Expression) ([]string, bool) {
	var names []string
	ok := true
	seen := map[string]bool{}
	for _, t := range expr.Variables() {
		rng := t.SourceRange()
		if t.RootName() != "local" {
			d.errorf(rng, CodeLocal, "Unknown variable",
				"There is no variable named %q: the only variables are local values, written local.<name>.", t.RootName())
			ok = false
			continue
		}
		attr, isAttr := hcl.TraverseAttr{}, false
		if len(t) > 1 {
			attr, isAttr = t[1].(hcl.TraverseAttr)
		}
		if !isAttr {
			d.errorf(rng, CodeLocal, "Invalid reference to a local value", "Refer to a local value as local.<name>.")
			ok = false
			continue
		}
		if !d.declared(attr.Name) {
			d.errorf(rng, CodeLocal, "Reference to undeclared local value",
				"No local value named %q is declared in a locals block of the files loaded together.", attr.Name)
			ok = false
			continue
		}
		if !seen[attr.Name] {
			seen[attr.Name] = true
			names = append(names, attr.Name)
		}
	}
	return names, ok
}

// elementPositions places each value of a literal list at its own element,
// so that a message about one entry points at that entry rather than at
// the start of the list. Other expressions keep the expression's position.
func elementPositions(expr hcl.Expression, raws []rule.RawValue) []rule.RawValue {
	tuple, ok := expr.(*hclsyntax.TupleConsExpr)
	if !ok || len(tuple.Exprs) != len(raws) {
		return raws
	}
	for i, e := range tuple.Exprs {
		raws[i].Pos = posOf(e.Range())
	}
	return raws
}
