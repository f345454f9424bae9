package testutil

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// Dump writes rules as indented text, every field of the model by
// reflection so that fields added later show up without a change here: the
// one dumper of the model that the front ends' golden and equivalence
// tests share.
// Zero values are left out (absent and zero are the same in the model),
// except enumerations, which always say which they are. With withPos false
// it leaves out positions and file names and sorts modifiers, the parts
// that differ between a detection's HCL and Sigma forms.
func Dump(rules []*rule.Rule, withPos bool) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString("Rule:\n")
		dumpStruct(&b, reflect.ValueOf(r).Elem(), "  ", withPos)
	}
	return b.String()
}

var (
	posType       = reflect.TypeOf(rule.Pos{})
	stringerType  = reflect.TypeOf((*fmt.Stringer)(nil)).Elem()
	exprType      = reflect.TypeOf((*rule.Expr)(nil)).Elem()
	valueKindType = reflect.TypeOf(rule.ValueKind(0))
	cmpOpType     = reflect.TypeOf(rule.CmpOp(0))
)

func dumpStruct(b *strings.Builder, v reflect.Value, indent string, withPos bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fv := v.Field(i)
		if !withPos && (f.Type == posType || (t == reflect.TypeOf(rule.Rule{}) && (f.Name == "File" || f.Name == "MetaPos"))) {
			continue
		}
		if !withPos && f.Name == "Modifiers" {
			mods := append([]string(nil), fv.Interface().([]string)...)
			sort.Strings(mods)
			fv = reflect.ValueOf(mods)
		}
		dumpField(b, f.Name, fv, indent, withPos)
	}
}

func dumpField(b *strings.Builder, name string, v reflect.Value, indent string, withPos bool) {
	switch {
	case v.Type() == posType:
		fmt.Fprintf(b, "%s%s: %s\n", indent, name, v.Interface().(rule.Pos))
		return
	case v.Type() == valueKindType:
		fmt.Fprintf(b, "%s%s: %s\n", indent, name, v.Interface().(rule.ValueKind))
		return
	case v.Type() == cmpOpType:
		fmt.Fprintf(b, "%s%s: %s\n", indent, name, v.Interface().(rule.CmpOp).Symbol())
		return
	case v.Kind() != reflect.Struct && v.Type().Implements(stringerType) && !v.Type().Implements(exprType):
		// Condition nodes are dumped node by node, with positions.
		if v.Kind() == reflect.Slice && v.Len() == 0 {
			return
		}
		fmt.Fprintf(b, "%s%s: %q\n", indent, name, v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			name += " " + v.Elem().Elem().Type().Name()
		}
		dumpField(b, name, v.Elem(), indent, withPos)
	case reflect.Struct:
		if v.IsZero() {
			return
		}
		fmt.Fprintf(b, "%s%s:\n", indent, name)
		dumpStruct(b, v, indent+"  ", withPos)
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		if v.Type().Elem().Kind() == reflect.String {
			fmt.Fprintf(b, "%s%s: %q\n", indent, name, v.Interface())
			return
		}
		fmt.Fprintf(b, "%s%s:\n", indent, name)
		for i := 0; i < v.Len(); i++ {
			dumpField(b, "-", v.Index(i), indent+"  ", withPos)
		}
	case reflect.Map:
		if v.Len() == 0 {
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q: %q", k.String(), fmt.Sprint(v.MapIndex(k).Interface()))
		}
		fmt.Fprintf(b, "%s%s: {%s}\n", indent, name, strings.Join(parts, ", "))
	case reflect.String:
		if v.Len() > 0 {
			fmt.Fprintf(b, "%s%s: %q\n", indent, name, v.String())
		}
	case reflect.Bool:
		if v.Bool() {
			fmt.Fprintf(b, "%s%s: true\n", indent, name)
		}
	case reflect.Int, reflect.Int64:
		if !v.IsZero() {
			fmt.Fprintf(b, "%s%s: %d\n", indent, name, v.Int())
		}
	case reflect.Float64:
		if !v.IsZero() {
			fmt.Fprintf(b, "%s%s: %s\n", indent, name, strconv.FormatFloat(v.Float(), 'f', -1, 64))
		}
	default:
		panic(fmt.Sprintf("dump: unexpected kind %s for %s", v.Kind(), name))
	}
}
