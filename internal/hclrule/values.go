package hclrule

import (
	"fmt"
	"math"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/detc/detc/internal/rule"
)

// evaluate evaluates expr in ctx. It reports false, after recording why,
// when the value cannot be used; a value that depends on a local that
// failed is unknown and is dropped silently, as its cause is reported.
func (d *decoder) evaluate(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, bool) {
	v, hd := safeValue(expr, ctx)
	if d.addHCL(hd, CodeEval) {
		return cty.DynamicVal, false
	}
	if !v.IsWhollyKnown() {
		d.unknowns++
		return cty.DynamicVal, false
	}
	if n, size := measure(v); n > MaxValues || size > MaxValueBytes {
		d.errorf(expr.Range(), CodeLimit, "Value too large",
			"This value has %d elements and %d bytes of text; the limits are %d and %d.", n, size, MaxValues, MaxValueBytes)
		return cty.DynamicVal, false
	}
	return v, true
}

// safeValue evaluates expr, turning a panic inside the expression
// evaluator or a function into a diagnostic: user input must never crash
// the loader.
func safeValue(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value, hd hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			v = cty.DynamicVal
			hd = hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expression cannot be evaluated",
				Detail:   fmt.Sprintf("Evaluating this expression failed: %v.", r),
				Subject:  expr.Range().Ptr(),
			}}
		}
	}()
	return expr.Value(ctx)
}

// measure counts the elements of v, nested ones included, and the bytes of
// its strings.
func measure(v cty.Value) (elems, size int) {
	if v.IsNull() {
		return 0, 0
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return 0, len(v.AsString())
	case t.IsListType() || t.IsSetType() || t.IsTupleType() || t.IsMapType() || t.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			n, s := measure(e)
			elems += n + 1
			size += s
		}
	}
	return elems, size
}

// value evaluates an attribute of a detection.
func (d *decoder) value(attr *hcl.Attribute) (cty.Value, bool) {
	if _, ok := d.references(attr.Expr); !ok {
		return cty.DynamicVal, false
	}
	return d.evaluate(attr.Expr, d.ctx)
}

// typeError reports a value of the wrong type.
func (d *decoder) typeError(attr *hcl.Attribute, want string, v cty.Value) {
	d.errorf(attr.Expr.Range(), CodeType, "Incorrect attribute value type",
		"%s must be %s, not %s.", attr.Name, want, describeType(v))
}

// describeType names a value's type the way the documentation does.
func describeType(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a bool"
	case t.IsObjectType() || t.IsMapType():
		return "an object"
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		return "a list"
	}
	return t.FriendlyName()
}

// The typed readers below report false after recording an error. A null
// value counts as not set: the zero value, without error.

// str reads a string attribute.
func (d *decoder) str(attr *hcl.Attribute) (string, bool) {
	v, ok := d.value(attr)
	if !ok || v.IsNull() {
		return "", ok
	}
	if v.Type() != cty.String {
		d.typeError(attr, "a string", v)
		return "", false
	}
	return v.AsString(), true
}

// strList reads an attribute that holds a list of strings.
func (d *decoder) strList(attr *hcl.Attribute) ([]string, bool) {
	v, ok := d.value(attr)
	if !ok || v.IsNull() {
		return nil, ok
	}
	if !isList(v) {
		d.typeError(attr, "a list of strings", v)
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			d.errorf(attr.Expr.Range(), CodeType, "Incorrect attribute value type",
				"%s must be a list of strings, but an element is %s.", attr.Name, describeType(e))
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// boolean reads a bool attribute.
func (d *decoder) boolean(attr *hcl.Attribute) (bool, bool) {
	v, ok := d.value(attr)
	if !ok || v.IsNull() {
		return false, ok
	}
	if v.Type() != cty.Bool {
		d.typeError(attr, "true or false", v)
		return false, false
	}
	return v.True(), true
}

// number reads a number attribute.
func (d *decoder) number(attr *hcl.Attribute) (float64, bool) {
	v, ok := d.value(attr)
	if !ok || v.IsNull() {
		return 0, ok
	}
	if v.Type() != cty.Number {
		d.typeError(attr, "a number", v)
		return 0, false
	}
	_, f, ok := numberText(v)
	if !ok {
		d.errorf(attr.Expr.Range(), CodeValue, "Number out of range", "%s is too large for a 64-bit float.", attr.Name)
	}
	return f, ok
}

func isList(v cty.Value) bool {
	t := v.Type()
	return t.IsListType() || t.IsTupleType() || t.IsSetType()
}

// numberText writes a number as Sigma YAML would show it: integers in
// full, other numbers in the shortest form that reads back the same.
func numberText(v cty.Value) (string, float64, bool) {
	bf := v.AsBigFloat()
	f, _ := bf.Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", 0, false
	}
	if bf.IsInt() {
		return bf.Text('f', 0), f, true
	}
	return strconv.FormatFloat(f, 'f', -1, 64), f, true
}

// rawValues reads the values of a match or keywords attribute: a value or
// a list of them, nested lists flattened, since every value is an
// alternative. Each value keeps the position of its element when the
// attribute is written as a list, and of the attribute otherwise.
func (d *decoder) rawValues(attr *hcl.Attribute) ([]rule.RawValue, bool) {
	if _, ok := d.references(attr.Expr); !ok {
		return nil, false
	}
	exprs := []hcl.Expression{attr.Expr}
	if tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr); ok {
		exprs = exprs[:0]
		for _, e := range tuple.Exprs {
			exprs = append(exprs, e)
		}
	}
	var out []rule.RawValue
	ok := true
	for _, e := range exprs {
		v, valid := d.evaluate(e, d.ctx)
		if !valid {
			ok = false
			continue
		}
		if !d.flatten(attr, v, posOf(e.Range()), &out) {
			ok = false
		}
	}
	if n, size := countRaw(out); n > MaxValues || size > MaxValueBytes {
		d.errorf(attr.Expr.Range(), CodeLimit, "Value too large",
			"This list has %d values and %d bytes of text; the limits are %d and %d.", n, size, MaxValues, MaxValueBytes)
		return nil, false
	}
	return out, ok
}

func countRaw(vs []rule.RawValue) (int, int) {
	size := 0
	for _, v := range vs {
		size += len(v.Text)
	}
	return len(vs), size
}

func (d *decoder) flatten(attr *hcl.Attribute, v cty.Value, pos rule.Pos, out *[]rule.RawValue) bool {
	switch problem := flattenValue(v, pos, out); problem {
	case "":
		return true
	case "number":
		d.errorf(attr.Expr.Range(), CodeValue, "Number out of range", "A value of %s is too large for a 64-bit float.", attr.Name)
	default:
		d.errorf(attr.Expr.Range(), CodeType, "Incorrect attribute value type",
			"%s takes a string, number, bool or null, or a list of them, not %s.", attr.Name, problem)
	}
	return false
}

// flattenValue appends v's values to out: a string, number, bool or null,
// or a list of them, nested lists flattened. It returns "" when v is such
// a value, "number" for a number out of range, and otherwise the type it
// cannot take.
func flattenValue(v cty.Value, pos rule.Pos, out *[]rule.RawValue) string {
	if v.IsNull() {
		*out = append(*out, rule.RawValue{Kind: rule.RawNull, Pos: pos})
		return ""
	}
	t := v.Type()
	switch {
	case t == cty.String:
		*out = append(*out, rule.RawValue{Kind: rule.RawString, Text: v.AsString(), Pos: pos})
	case t == cty.Bool:
		*out = append(*out, rule.RawValue{Kind: rule.RawBool, Text: strconv.FormatBool(v.True()), Pos: pos})
	case t == cty.Number:
		text, _, ok := numberText(v)
		if !ok {
			return "number"
		}
		*out = append(*out, rule.RawValue{Kind: rule.RawNumber, Text: text, Pos: pos})
	case isList(v):
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if problem := flattenValue(e, pos, out); problem != "" {
				return problem
			}
		}
	default:
		return describeType(v)
	}
	return ""
}
