package eval

import (
	"encoding/json"
	"sort"
	"strconv"
)

// Event is one log event as the evaluator reads it.
type Event interface {
	// Field returns the named field's value and whether the field is
	// present. A JSON array comes back as one KindList value.
	Field(name string) (Value, bool)
	// Each calls fn with every scalar value of the event (array elements
	// and nested objects included) until fn returns false. Keyword
	// searches use it.
	Each(fn func(Value) bool)
}

// MapEvent is an event decoded by encoding/json into a map. Numbers may be
// float64 or json.Number (Decoder.UseNumber); Go integer types are
// accepted too, for events built in code.
//
// A dotted field name reaches into nested objects: "a.b" is first looked
// up as a key "a.b", then as key "b" of the object under key "a" (and so
// on for every split of the name, left to right). Through an array of
// objects, the field holds the values found in each element.
type MapEvent map[string]any

// Field implements Event.
func (m MapEvent) Field(name string) (Value, bool) {
	v, ok := lookup(m, name)
	if !ok {
		return Value{}, false
	}
	return toValue(v), true
}

// Each implements Event.
func (m MapEvent) Each(fn func(Value) bool) {
	eachAny(map[string]any(m), fn)
}

func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		switch sub := m[name[:i]].(type) {
		case map[string]any:
			if v, ok := lookup(sub, name[i+1:]); ok {
				return v, true
			}
		case []any:
			// An array of objects: the field is the list of what each
			// element holds.
			var found []any
			for _, el := range sub {
				if em, ok := el.(map[string]any); ok {
					if v, ok := lookup(em, name[i+1:]); ok {
						found = append(found, v)
					}
				}
			}
			if found != nil {
				return found, true
			}
		}
	}
	return nil, false
}

func toValue(v any) Value {
	switch v := v.(type) {
	case nil:
		return Value{}
	case string:
		return Value{Kind: KindString, Str: v}
	case bool:
		return Bool(v)
	case float64:
		// The text is made only if a string comparison needs it.
		return Value{Kind: KindNumber, Num: v}
	case json.Number:
		if val, ok := NumberText(string(v)); ok {
			return val
		}
		return String(string(v))
	case int:
		return Value{Kind: KindNumber, Num: float64(v), Str: strconv.Itoa(v)}
	case int64:
		return Value{Kind: KindNumber, Num: float64(v), Str: strconv.FormatInt(v, 10)}
	case float32:
		return Value{Kind: KindNumber, Num: float64(v)}
	case []any:
		list := make([]Value, len(v))
		for i, el := range v {
			list[i] = toValue(el)
		}
		return Value{Kind: KindList, List: list}
	case map[string]any:
		return Value{Kind: KindObject}
	}
	return Value{Kind: KindObject}
}

func eachAny(v any, fn func(Value) bool) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, el := range v {
			if !eachAny(el, fn) {
				return false
			}
		}
		return true
	case []any:
		for _, el := range v {
			if !eachAny(el, fn) {
				return false
			}
		}
		return true
	}
	return fn(toValue(v))
}

// FlatEvent is an event held as parallel slices of field names and values,
// filled without maps, for example by a streaming JSON scanner that flattens
// nested objects into dotted names and reads only the fields a rule needs
// (Program.Fields). Reset and refill it to reuse its memory. When a name
// occurs twice, the first wins.
type FlatEvent struct {
	Names  []string
	Values []Value
}

// Reset empties the event, keeping its memory.
func (e *FlatEvent) Reset() {
	e.Names = e.Names[:0]
	e.Values = e.Values[:0]
}

// Add appends a field.
func (e *FlatEvent) Add(name string, v Value) {
	e.Names = append(e.Names, name)
	e.Values = append(e.Values, v)
}

// Field implements Event.
func (e *FlatEvent) Field(name string) (Value, bool) {
	for i, n := range e.Names {
		if n == name {
			return e.Values[i], true
		}
	}
	return Value{}, false
}

// Each implements Event.
func (e *FlatEvent) Each(fn func(Value) bool) {
	for _, v := range e.Values {
		if !eachValue(v, fn) {
			return
		}
	}
}

func eachValue(v Value, fn func(Value) bool) bool {
	if v.Kind != KindList {
		return fn(v)
	}
	for _, el := range v.List {
		if !eachValue(el, fn) {
			return false
		}
	}
	return true
}

// Flatten fills dst from a decoded JSON object: nested objects become
// dotted names ("a": {"b": 1} gives "a.b"). At each level the scalar keys
// come first, then the nested objects, each in sorted order, so the result
// is deterministic. Objects inside arrays are kept whole (KindObject).
func Flatten(m map[string]any, dst *FlatEvent) {
	dst.Reset()
	flattenInto(m, "", dst)
}

func flattenInto(m map[string]any, prefix string, dst *FlatEvent) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Scalars first, then nested objects: a literal key "a.b" then wins
	// over the path a -> b, as in MapEvent.
	for _, nested := range []bool{false, true} {
		for _, k := range keys {
			sub, isObj := m[k].(map[string]any)
			if isObj != nested {
				continue
			}
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			if isObj {
				flattenInto(sub, name, dst)
			} else {
				dst.Add(name, toValue(m[k]))
			}
		}
	}
}
