package eval

import (
	"math"
	"strconv"
	"strings"
)

// Kind says what an event Value holds.
type Kind uint8

// Value kinds. The zero Value is a JSON null.
const (
	KindNull   Kind = iota // JSON null
	KindString             // Str
	KindNumber             // Num; Str is its canonical JSON text when set
	KindBool               // Str is "true" or "false"
	KindList               // List: a JSON array
	KindObject             // a JSON object reached as a whole; it has no text
)

var kindNames = [...]string{"null", "string", "number", "bool", "list", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one value of an event field. It is a plain struct, not an
// interface, so that reading a field allocates nothing.
type Value struct {
	Kind Kind
	// Str is the text of a string or bool, and of a number when known
	// (NumberText and Number fill it). It is what string comparisons see.
	Str  string
	Num  float64
	List []Value
}

// String makes a string value.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// Number makes a number value; its text is the canonical JSON form of f
// (4104, 0.5, 1e+21), as encoding/json writes it.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f, Str: canonicalNumber(f)} }

// NumberText makes a number value from JSON number text, as a streaming
// scanner finds it. Text that is already canonical is kept without
// copying; ok is false when text is not a JSON number.
func NumberText(text string) (Value, bool) {
	f, ok := parseDecimal(text)
	if !ok {
		return Value{}, false
	}
	if !isCanonicalInt(text) {
		text = canonicalNumber(f)
	}
	return Value{Kind: KindNumber, Num: f, Str: text}, true
}

// Bool makes a bool value.
func Bool(b bool) Value {
	if b {
		return Value{Kind: KindBool, Str: "true"}
	}
	return Value{Kind: KindBool, Str: "false"}
}

// Null is the JSON null.
func Null() Value { return Value{} }

// List makes an array value.
func List(vs ...Value) Value { return Value{Kind: KindList, List: vs} }

// Object stands for a nested JSON object named as a whole.
func Object() Value { return Value{Kind: KindObject} }

// Text is the value as string comparisons see it: a string itself, a
// number's canonical JSON text, "true"/"false". Null, lists and objects
// have no text.
func (v Value) Text() (string, bool) {
	switch v.Kind {
	case KindString, KindBool:
		return v.Str, true
	case KindNumber:
		if v.Str == "" {
			return canonicalNumber(v.Num), true
		}
		return v.Str, true
	}
	return "", false
}

// Float is the value as numeric comparisons see it: a number, or a string
// holding a decimal number (JSON number syntax).
func (v Value) Float() (float64, bool) {
	switch v.Kind {
	case KindNumber:
		return v.Num, !math.IsNaN(v.Num)
	case KindString:
		return parseDecimal(v.Str)
	}
	return 0, false
}

// isEmpty reports whether the value counts as null: JSON null, an empty
// string or an empty array.
func (v Value) isEmpty() bool {
	switch v.Kind {
	case KindNull:
		return true
	case KindString:
		return v.Str == ""
	case KindList:
		return len(v.List) == 0
	}
	return false
}

// canonicalNumber formats f the way encoding/json does, so that a number
// read from JSON and compared as text looks as it would be written.
func canonicalNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, 64)
	if format == 'e' {
		// encoding/json writes e-07 as e-7.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s
}

// isCanonicalInt reports whether text is an integer exactly as
// canonicalNumber would write it: no leading zeros, no fraction, few
// enough digits to be exact in a float64.
func isCanonicalInt(text string) bool {
	s := text
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || len(s) > 15 || (s[0] == '0' && len(s) > 1) || text == "-0" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDecimal parses s when it has JSON number syntax. Checking the
// syntax first keeps strconv from allocating an error for the many
// strings that are not numbers, and keeps out forms such as "0x10",
// "Inf" or "1_000" that no SIEM would read as numbers.
func parseDecimal(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == fs {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == es {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
