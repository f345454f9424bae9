package eval

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
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
//
// Add also indexes the fields that compiled programs read, so that a
// matcher finds its field in constant time whatever the number of fields,
// and the event remembers the results of the searches matched against it,
// so that a search several rules share runs once. Fill it only through
// Reset and Add: a name or value changed in place would not be seen by
// either. A type that embeds a FlatEvent is matched through it: its fields
// are the FlatEvent's.
type FlatEvent struct {
	Names  []string
	Values []Value
	idx    *flatIndex
}

// flatIndex locates an event's fields by number (fieldNumber). It belongs
// to one FlatEvent: a copy of the struct shares it, so owner tells the
// copy to build its own.
type flatIndex struct {
	owner *FlatEvent
	// at[n] locates the field numbered n when at[n].gen == gen, so that
	// Reset clears the index by moving gen on.
	at  []fieldAt
	gen uint32
	// count is how many of Names are indexed: Add keeps it at len(Names);
	// names appended directly leave the index behind, and lookups then
	// compare names.
	count int
	// unnumbered is the count of field numbers when the first name without
	// a number was added (maxInt32 if none): numbers given since may belong
	// to such a name, so the index cannot say those fields are absent.
	unnumbered int32
	// last holds the names of the previous event by position with their
	// numbers: a reader fills events in the same order, so a name is
	// numbered with one comparison instead of a map lookup.
	last []numberedName
	// results[n] remembers the result of the search numbered n
	// (searchNumber) for the event as it is: it holds version<<1 | result,
	// and Reset and Add move version on.
	results []uint64
	version uint64
}

type fieldAt struct {
	gen uint32
	pos int32
}

type numberedName struct {
	name   string
	number int32             // -1: no number when looked up
	known  int32             // the count of field numbers then
	table  *map[string]int32 // the numbering then
}

// flatHolder is implemented by *FlatEvent and every type that embeds one.
type flatHolder interface{ flatEvent() *FlatEvent }

func (e *FlatEvent) flatEvent() *FlatEvent { return e }

// Reset empties the event, keeping its memory.
func (e *FlatEvent) Reset() {
	e.Names = e.Names[:0]
	e.Values = e.Values[:0]
	x := e.index()
	x.count = 0
	x.unnumbered = math.MaxInt32
	x.version++
	if x.gen++; x.gen == 0 {
		clear(x.at)
		x.gen = 1
	}
}

func (e *FlatEvent) index() *flatIndex {
	if e.idx == nil || e.idx.owner != e {
		e.idx = &flatIndex{owner: e, gen: 1, version: 1, unnumbered: math.MaxInt32}
		if len(e.Names) > 0 {
			e.idx.count = -1 // filled before it had an index: not indexed
		}
	}
	return e.idx
}

// Add appends a field.
func (e *FlatEvent) Add(name string, v Value) {
	i := len(e.Names)
	e.Names = append(e.Names, name)
	e.Values = append(e.Values, v)
	x := e.index()
	x.version++
	if x.count != i {
		return
	}
	x.count++
	n := int32(-2)
	// Most often the name is the one at this place in the previous event.
	if i < len(x.last) {
		// A name without a number stays so while no field is numbered.
		if l := &x.last[i]; l.name == name && (l.number >= 0 || l.table == fieldNumbers.t.Load()) {
			n = l.number
			if n < 0 {
				x.unnumbered = min(x.unnumbered, l.known)
			}
		}
	}
	if n == -2 {
		n = x.number(i, name)
	}
	if n < 0 {
		return
	}
	if int(n) >= len(x.at) {
		x.at = append(x.at, make([]fieldAt, int(n)+1-len(x.at))...)
	}
	if at := &x.at[n]; at.gen != x.gen {
		*at = fieldAt{gen: x.gen, pos: int32(i)}
	}
}

// number finds the number of the i-th name of the event, -1 for a name no
// program reads, and remembers it for the next event.
func (x *flatIndex) number(i int, name string) int32 {
	table := fieldNumbers.t.Load()
	var numbers map[string]int32
	if table != nil {
		numbers = *table
	}
	n, ok := numbers[name]
	if !ok {
		n = -1
		x.unnumbered = min(x.unnumbered, int32(len(numbers)))
	}
	l := numberedName{name: strings.Clone(name), number: n, known: int32(len(numbers)), table: table}
	if i < len(x.last) {
		x.last[i] = l
	} else {
		x.last = append(x.last, l)
	}
	return n
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

// indexed returns the index when it covers the event as it is.
func (e *FlatEvent) indexed() *flatIndex {
	if x := e.idx; x != nil && x.owner == e && x.count == len(e.Names) {
		return x
	}
	return nil
}

// anyPresent reports whether the event may have one of the fields
// numbered in need: false means it has none of them.
func (e *FlatEvent) anyPresent(need []int32) bool {
	x := e.indexed()
	if x == nil {
		return true
	}
	for _, n := range need {
		if n >= x.unnumbered || int(n) < len(x.at) && x.at[n].gen == x.gen {
			return true
		}
	}
	return false
}

// recall returns the remembered result of the search numbered n.
func (e *FlatEvent) recall(n int32) (result, ok bool) {
	x := e.indexed()
	if x == nil || int(n) >= len(x.results) || x.results[n]>>1 != x.version {
		return false, false
	}
	return x.results[n]&1 == 1, true
}

// remember keeps the result of the search numbered n until the event
// changes.
func (e *FlatEvent) remember(n int32, result bool) {
	x := e.indexed()
	if x == nil {
		return
	}
	if int(n) >= len(x.results) {
		x.results = append(x.results, make([]uint64, int(n)+1-len(x.results))...)
	}
	x.results[n] = x.version << 1
	if result {
		x.results[n] |= 1
	}
}

// lookup is Field for the field numbered n (fieldNumber(name)), through
// the index when it covers the event; nil when the field is absent.
func (e *FlatEvent) lookup(n int32, name string) *Value {
	if x := e.idx; x != nil && x.owner == e && x.count == len(e.Names) && n < x.unnumbered {
		if int(n) < len(x.at) && x.at[n].gen == x.gen {
			return &e.Values[x.at[n].pos]
		}
		return nil
	}
	for i, have := range e.Names {
		if have == name {
			return &e.Values[i]
		}
	}
	return nil
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
