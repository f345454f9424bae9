// Package textutil holds the small text helpers several writers share:
// counted nouns, lengths as Java and JavaScript count them, ASCII classes,
// escapes that keep a file ASCII.
package textutil

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Plural writes a count with its noun: "1 rule", "3 rules".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// UTF16Len is a string's length in UTF-16 code units, the length Java
// (Elasticsearch) and JavaScript (Azure's ARM templates) give it.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// IsASCIIAlnum reports whether b is an ASCII letter or digit.
func IsASCIIAlnum(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// WriteUTF16Escape writes r as the \uXXXX escape of each of its UTF-16
// units (a surrogate pair outside the Basic Multilingual Plane): the form
// JSON, JavaScript and KQL string literals read back as r.
func WriteUTF16Escape(b *strings.Builder, r rune) {
	if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
		fmt.Fprintf(b, `\u%04X\u%04X`, r1, r2)
		return
	}
	fmt.Fprintf(b, `\u%04X`, r)
}

// EscapeNonASCII replaces every character outside ASCII in text with
// escape's form of it. The caller knows that every such character of text
// stands where its format reads the escape back as the character (inside
// JSON strings, inside YAML's double-quoted scalars). text must be UTF-8.
func EscapeNonASCII(text []byte, escape func(*strings.Builder, rune)) []byte {
	i := 0
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	if i == len(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	b.Write(text[:i])
	for _, r := range string(text[i:]) {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		escape(&b, r)
	}
	return []byte(b.String())
}
